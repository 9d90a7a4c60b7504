// A bench page in Debian's Chromium: its entry bundled with esbuild (the library from src/), served on
// 127.0.0.1 (a secure context, which AudioWorklet needs), and the browser to open it in.
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = path.join(import.meta.dirname, '..');

/** The package's entries, resolved to their sources (the benches measure the code, not a stale dist/). */
const LIBRARY_FROM_SOURCE = {
  'cosyvoice-react/core': path.join(root, 'src/core/index.ts'),
  'cosyvoice-react/dom': path.join(root, 'src/dom/index.ts'),
  'cosyvoice-react/wasm-decoders': path.join(root, 'src/wasm-decoders/index.ts'),
  'cosyvoice-react/playback': path.join(root, 'src/playback/index.ts'),
  'cosyvoice-react': path.join(root, 'src/index.ts'),
};

/**
 * Bundles `entry` (a path from the project's root) as the page's one script, serves it, and launches
 * Chromium. `production` (default true) minifies with `process.env.NODE_ENV` set as an app's production
 * build does; `external` are packages left out of the bundle (the WASM decoders by default); `autoplay`
 * lets audio start without a gesture; `serveFile(url)` answers other requests (a Buffer, or undefined
 * for the page itself).
 */
export async function openBenchPage(entry, { title = 'bench', production = true, external = ['opus-decoder', 'mpg123-decoder'], autoplay = false, serveFile } = {}) {
  const bundle = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    format: 'esm',
    write: false,
    target: 'es2022',
    minify: production,
    jsx: 'automatic',
    define: production ? { 'process.env.NODE_ENV': '"production"' } : undefined,
    alias: LIBRARY_FROM_SOURCE,
    external,
    logLevel: 'error',
  });
  const script = bundle.outputFiles[0].text;
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="/bench.js"></script>`;
  const server = http.createServer((req, res) => {
    const file = req.url === '/bench.js' ? undefined : serveFile?.(req.url ?? '');
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (file) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...(autoplay ? ['--autoplay-policy=no-user-gesture-required'] : [])],
  });
  return {
    browser,
    url: `http://127.0.0.1:${server.address().port}/`,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
