// The app's own server: Next.js for pages and routes, plus the DashScope WebSocket path
// (/api-ws/v1/inference), which a route handler cannot serve (no WebSocket upgrades).
//   node server.mjs --dev    development (Turbopack, hot reload)
//   node server.mjs          production, after `next build`
// With DASHSCOPE_API_KEY set, that path is the proxy to the real service (the key stays here);
// without it, the offline local voice server (no key, robotic voice: development, demos, tests).
import { createServer } from 'node:http';

const dev = process.argv.includes('--dev');
process.env.NODE_ENV = dev ? 'development' : 'production';
const hostname = process.env.HOST ?? 'localhost';
const port = Number(process.env.PORT ?? 3000);

const { default: next } = await import('next');
const { createLocalVoiceServer, createSynthesisProxy } = await import('cosyvoice-react/server');

const app = next({ dev, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

// Next.js answers every HTTP request (pages, the token route) and its own upgrades (hot reload);
// it leaves WebSocket upgrades on paths it has no route for to the speech server below.
const server = createServer((request, response) => handle(request, response));
const apiKey = process.env.DASHSCOPE_API_KEY;
const speech = apiKey
  ? createSynthesisProxy({
      apiKey,
      server,
      upstream: process.env.DASHSCOPE_REGION ?? 'cn',
      allowedOrigins: (process.env.ALLOWED_ORIGINS ?? `http://${hostname}:${port}`).split(','),
    })
  : createLocalVoiceServer({ engine: 'auto', server });

server.listen(port, hostname, () => {
  const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
  console.log(`> Ready on http://${hostname}:${actual} (${dev ? 'development' : 'production'}, speech: ${apiKey ? 'proxy' : 'local voice server'})`);
});

const shutdown = async () => {
  await speech.close();
  server.close();
  await app.close();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
