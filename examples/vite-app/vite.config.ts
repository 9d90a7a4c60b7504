import react from '@vitejs/plugin-react';
import type { Server } from 'node:http';
import { defineConfig, type Connect, type Plugin } from 'vite';

/**
 * In development (`vite`) and when previewing the production build (`vite preview`), serve the local
 * voice server (no API key) on the app's own origin.
 */
function localVoiceServer(): Plugin {
  const attach = async (httpServer: unknown, middlewares: Connect.Server) => {
    if (!httpServer) return;
    const { createLocalVoiceServer } = await import('cosyvoice-react/server');
    const voice = createLocalVoiceServer({ engine: 'auto', server: httpServer as Server });
    middlewares.use(voice.middleware);
  };
  return {
    name: 'local-voice-server',
    apply: 'serve',
    configureServer: (server) => attach(server.httpServer, server.middlewares),
    configurePreviewServer: (server) => attach(server.httpServer, server.middlewares),
  };
}

export default defineConfig({ plugins: [react(), localVoiceServer()] });
