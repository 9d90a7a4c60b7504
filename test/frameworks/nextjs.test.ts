import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../utils/builtPackage';
import { prepareExampleApp, startServer, type ExampleApp, type RunningServer } from '../utils/exampleApp';
import { expectReadAloud, launchChromium, readAloudAt, type PageRecord } from '../utils/readAloudInChromium';

// examples/nextjs-app (Next.js 16, App Router, Turbopack by default), installed from the packed
// tarball and run with its own server.mjs, whose WebSocket path is the local voice server here.

// Strings only the WASM decoders' own code contains (opus-decoder's error table, mpg123-decoder's
// message prefix): where they appear, that decoder was bundled.
const OPUS_DECODER_CODE = 'OPUS_INVALID_PACKET';
const MP3_DECODER_CODE = 'mpg123-decoder: ';
// What Next.js prints for a warning, and what would name this package's code in one.
const WARNING = /⚠|\bwarn(ing)?\b|critical dependency|module not found|can't resolve/i;
const READY = /> Ready on (http:\/\/\S+)/;

let app: ExampleApp;
let browser: Browser;
beforeAll(async () => {
  ensureBuilt(['index.js', 'styles.css', 'server.js', 'wasm-decoders.js', 'wasm-decoders-server.js']);
  app = prepareExampleApp('nextjs-app');
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  app?.cleanup();
});

// Builds run without the secret, as CI and container builds do: the token route module must load
// (`createTokenHandler` reads its key per request), even when the developer's shell has a key.
const BUILD_ENV = { DASHSCOPE_API_KEY: undefined };
// The servers run without a key: the WebSocket path is then the local voice server.
const SERVER_ENV = { DASHSCOPE_API_KEY: '', HOST: '127.0.0.1', PORT: '0' };

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(js|mjs|cjs)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const loaded = (record: PageRecord, code: string) => record.scripts.some((script) => script.body.includes(code));

describe('the Next.js example (examples/nextjs-app)', () => {
  it('builds with Turbopack, with no configuration and no warnings, and keeps the WASM decoders out of the server build', () => {
    expect(readdirSync(app.dir).filter((file) => file.startsWith('next.config')), 'no next.config').toEqual([]);
    const output = app.run('next', ['build'], BUILD_ENV);
    expect(output).toContain('(Turbopack)');
    // Under CI, Next asks for its build cache (`.next/cache`) to be kept between runs: advice about the CI
    // setup, not a warning about the build.
    const warnings = output.split('\n').filter((line) => WARNING.test(line) && !line.includes('No build cache found'));
    expect(warnings).toEqual([]);
    const server = filesUnder(path.join(app.dir, '.next', 'server'));
    expect(server.filter((file) => /OPUS_INVALID_PACKET|mpg123-decoder: /.test(readFileSync(file, 'utf8')))).toEqual([]);
    // The browser build has them, each in its own chunk (one per router), loaded on demand (see below).
    const client = filesUnder(path.join(app.dir, '.next', 'static')).map((file) => readFileSync(file, 'utf8'));
    expect(client.filter((code) => code.includes(OPUS_DECODER_CODE)).length).toBeGreaterThanOrEqual(1);
    expect(client.filter((code) => code.includes(MP3_DECODER_CODE)).length).toBeGreaterThanOrEqual(1);
    expect(client.filter((code) => code.includes(OPUS_DECODER_CODE) && code.includes(MP3_DECODER_CODE))).toEqual([]);
  }, 300_000);

  describe('in production, served by its server.mjs', () => {
    let server: RunningServer;
    beforeAll(async () => {
      if (!existsSync(path.join(app.dir, '.next', 'BUILD_ID'))) app.run('next', ['build'], BUILD_ENV);
      server = await startServer(app.dir, ['server.mjs'], READY, SERVER_ENV);
    }, 300_000);
    afterAll(() => server?.stop());

    it('reads aloud on the App Router page (a server component): sound plays and the highlight follows it, with no hydration warnings', async () => {
      const { reading, record } = await readAloudAt(browser, `${server.url}/`);
      expectReadAloud(reading, record);
      expect(loaded(record, OPUS_DECODER_CODE) || loaded(record, MP3_DECODER_CODE), 'with WebCodecs, no WASM decoder is downloaded').toBe(false);
    }, 120_000);

    for (const [format, code, other] of [
      ['opus', OPUS_DECODER_CODE, MP3_DECODER_CODE],
      ['mp3', MP3_DECODER_CODE, OPUS_DECODER_CODE],
    ] as const) {
      it(`in a browser without WebCodecs, loads the ${format === 'opus' ? 'Opus' : 'MP3'} WASM decoder on demand and reads ${format.toUpperCase()} aloud`, async () => {
        const { reading, record } = await readAloudAt(browser, `${server.url}/?format=${format}`, { withoutWebCodecs: true });
        expectReadAloud(reading, record);
        expect(loaded(record, code), `the ${format} decoder was downloaded`).toBe(true);
        expect(loaded(record, other), 'only the decoder this format needs').toBe(false);
      }, 120_000);
    }

    it('reads aloud on the Pages Router page', async () => {
      const { reading, record } = await readAloudAt(browser, `${server.url}/pages-router`);
      expectReadAloud(reading, record);
    }, 120_000);

    it('logs nothing about this package on the server', () => {
      expect(server.output().split('\n').filter((line) => /cosyvoice|opus-decoder|mpg123|web-worker|error|⚠/i.test(line))).toEqual([]);
    });
  });

  it('serves and reads aloud in development (next dev with Turbopack, through server.mjs --dev)', async () => {
    const server = await startServer(app.dir, ['server.mjs', '--dev'], READY, SERVER_ENV);
    try {
      const { reading, record } = await readAloudAt(browser, `${server.url}/`);
      expectReadAloud(reading, record);
      expect(server.output().split('\n').filter((line) => /cosyvoice|opus-decoder|mpg123|web-worker|⚠/i.test(line))).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 240_000);

  it('builds with webpack (next build --webpack) with no warnings', () => {
    // Compile only: the Turbopack build above already type-checked and prerendered the same app.
    const output = app.run('next', ['build', '--webpack', '--experimental-build-mode=compile'], BUILD_ENV);
    expect(output).toContain('(webpack)');
    // Under CI, Next asks for its build cache (`.next/cache`) to be kept between runs: advice about the CI
    // setup, not a warning about the build.
    const warnings = output.split('\n').filter((line) => WARNING.test(line) && !line.includes('No build cache found'));
    expect(warnings).toEqual([]);
    const server = filesUnder(path.join(app.dir, '.next', 'server'));
    expect(server.filter((file) => /OPUS_INVALID_PACKET|mpg123-decoder: /.test(readFileSync(file, 'utf8')))).toEqual([]);
  }, 300_000);
});
