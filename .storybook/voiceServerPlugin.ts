import type { Plugin } from 'vite';
import { serverEntry } from './aliases.ts';

/** Options of {@link voiceServerPlugin}. */
export interface VoiceServerPluginOptions {
  /** Local engine. @default `COSYVOICE_ENGINE`, else espeak when installed, else tone */
  engine?: 'espeak' | 'tone';
  /** Print where it listens. @default true */
  announce?: boolean;
}

const ATTACHED = Symbol.for('cosyvoice-react.voiceServerAttached');

type ServerModule = typeof import('../src/server/index');

/**
 * Attaches a DashScope-shaped endpoint to the Vite dev server, on the page's own origin:
 * the local voice server (real offline speech, no key), or — when `DASHSCOPE_API_KEY` is set —
 * the proxy to the real service, which keeps the key on this side (and, being a dev tool, hands
 * temporary tokens to the page at `POST /api/v1/tokens` without an `authorize` hook).
 */
export function voiceServerPlugin(options: VoiceServerPluginOptions = {}): Plugin {
  return {
    name: 'cosyvoice-voice-server',
    apply: 'serve',
    async configureServer(server) {
      // Storybook runs Vite in middleware mode on its own HTTP server, handed over as the HMR server.
      const hmr = server.config.server.hmr;
      const httpServer = server.httpServer ?? (typeof hmr === 'object' && hmr.server ? (hmr.server as NonNullable<typeof server.httpServer>) : null);
      if (!httpServer) return;
      // The plugin can be reached twice (Storybook's viteFinal inside a test runner): attach once.
      const marker = httpServer as typeof httpServer & { [ATTACHED]?: boolean };
      if (marker[ATTACHED]) return;
      marker[ATTACHED] = true;
      // Loaded through Vite so the TypeScript sources run as they are, without a build.
      const { createLocalVoiceServer, createSynthesisProxy, isEspeakAvailable, sameLoopbackOrigin } = (await server.ssrLoadModule(serverEntry)) as ServerModule;
      const apiKey = process.env.DASHSCOPE_API_KEY;
      const requested = options.engine ?? (process.env.COSYVOICE_ENGINE as 'espeak' | 'tone' | undefined);
      const engine = requested ?? (isEspeakAvailable() ? 'espeak' : 'tone');
      // A dev tool on the developer's machine: the proxy mints tokens without an authorize hook (an
      // explicit opt-in; the Recipes/Transports DirectToken story fetches them from /api/v1/tokens), and
      // only Storybook's own pages may use it, not other sites open in the same browser.
      const voice = apiKey
        ? createSynthesisProxy({ apiKey, server: httpServer as never, upstream: process.env.DASHSCOPE_UPSTREAM, allowAnonymousTokens: true, allowedOrigins: sameLoopbackOrigin })
        : createLocalVoiceServer({ engine, server: httpServer as never });
      server.middlewares.use((request, response, next) => voice.middleware(request, response, next));
      httpServer.once('close', () => void voice.close());
      if (options.announce === false) return;
      const announce = () => {
        const address = httpServer.address();
        const port = typeof address === 'object' && address ? address.port : '?';
        const what = apiKey ? `proxy to ${process.env.DASHSCOPE_UPSTREAM ?? 'DashScope'} (the key stays in this process)` : `local voice server, ${engine} engine, no key needed`;
        server.config.logger.info(`\n  cosyvoice-react: ${what} at ws://localhost:${port}/api-ws/v1/inference\n`);
      };
      if (httpServer.listening) announce();
      else httpServer.once('listening', announce);
    },
  };
}
