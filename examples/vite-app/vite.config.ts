import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** In development, serve the local voice server (no API key) on the app's own origin. */
function localVoiceServer(): Plugin {
  return {
    name: 'local-voice-server',
    apply: 'serve',
    async configureServer(server) {
      if (!server.httpServer) return;
      const { createLocalVoiceServer } = await import('cosyvoice-react/server');
      const voice = createLocalVoiceServer({ engine: 'auto', server: server.httpServer as never });
      server.middlewares.use(voice.middleware);
    },
  };
}

export default defineConfig({ plugins: [react(), localVoiceServer()] });
