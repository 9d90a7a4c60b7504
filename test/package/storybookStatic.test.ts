import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { projectRoot } from '../utils/builtPackage';

// `npm run build-storybook`: a static Storybook with no voice server behind it.
let out: string;
let server: http.Server;
let base: string;
let browser: Browser;
beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'cosyvoice-storybook-'));
  execFileSync(path.join(projectRoot, 'node_modules/.bin/storybook'), ['build', '-o', out, '--quiet'], { cwd: projectRoot, stdio: 'pipe', env: { ...process.env, STORYBOOK_DISABLE_TELEMETRY: '1' } });
  server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const file = path.join(out, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname));
    if (!file.startsWith(out) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    response.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('the static Storybook build', () => {
  it('lists every story group', () => {
    const index = JSON.parse(readFileSync(path.join(out, 'index.json'), 'utf8')) as { entries: Record<string, { title: string }> };
    const titles = new Set(Object.values(index.entries).map((entry) => entry.title));
    for (const title of ['Components/SpeakButton', 'Components/KaraokeText', 'Components/VoicePicker', 'Hooks/useSpeechSynthesis', 'Hooks/useStreamingSynthesis', 'Recipes/Read aloud', 'Recipes/Voice gallery', 'Recipes/Transports']) {
      expect(titles).toContain(title);
    }
  });

  it('renders the read-aloud recipe and says the voice server is not running', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/iframe.html?id=recipes-read-aloud--default&viewMode=story`);
      await page.getByRole('button', { name: 'Read aloud' }).waitFor({ timeout: 15_000 });
      await expect(page.getByRole('note').first().textContent()).resolves.toMatch(/not running here.*npm run dev/s);
      await expect(page.getByRole('article').count()).resolves.toBe(2);
    } finally {
      await page.close();
    }
  }, 30_000);
});
