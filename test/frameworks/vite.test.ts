import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, projectRoot } from '../utils/builtPackage';
import { prepareExampleApp, startServer, type ExampleApp } from '../utils/exampleApp';
import { expectReadAloud, launchChromium, readAloudAt } from '../utils/readAloudInChromium';

// examples/vite-app, copied out of the repository and installed from the packed tarball.
let app: ExampleApp;
let browser: Browser | undefined;
beforeAll(async () => {
  ensureBuilt(['index.js', 'styles.css', 'server.js', 'wasm-decoders.js', 'wasm-decoders-server.js']);
  app = prepareExampleApp('vite-app');
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  app?.cleanup();
});

describe('the example app (examples/vite-app)', () => {
  it('type-checks against the published types', () => {
    execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app.dir, stdio: 'pipe' });
  }, 180_000);

  it('builds with Vite, with the React entry and stylesheet and without any Node server code', () => {
    const output = app.run('vite', ['build']);
    // Vite's and Rollup's warnings: "(!) …", "[plugin] warning", unresolved imports.
    expect(output.split('\n').filter((line) => /\(!\)|\bwarn(ing)?\b|⚠|critical|could not resolve|can't resolve/i.test(line)), 'no warnings').toEqual([]);
    const assets = path.join(app.dir, 'dist', 'assets');
    expect(existsSync(path.join(app.dir, 'dist', 'index.html'))).toBe(true);
    const files = readdirSync(assets);
    const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    const css = files.filter((f) => f.endsWith('.css')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    expect(js).toContain('/api-ws/v1/inference');
    expect(css).toContain('.cosyvoice-karaoke');
    expect(js).not.toMatch(/worker_threads|node:http|WebSocketServer/);
    // The WASM decoders are in the build, each in a chunk of its own that only a browser without
    // WebCodecs asks for (checked in Chromium below).
    const chunks = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8'));
    expect(chunks.filter((code) => code.includes('OPUS_INVALID_PACKET'))).toHaveLength(1);
    expect(chunks.filter((code) => code.includes('mpg123-decoder: '))).toHaveLength(1);
  }, 120_000);

  it('reads aloud from the production build (vite preview, with the local voice server attached): sound plays, the highlight follows it, nothing logged', async () => {
    if (!existsSync(path.join(app.dir, 'dist', 'index.html'))) app.run('vite', ['build']);
    const server = await startServer(app.dir, [path.join(app.dir, 'node_modules/vite/bin/vite.js'), 'preview', '--host', '127.0.0.1', '--port', '0'], /(http:\/\/127\.0\.0\.1:\d+)\//);
    try {
      const withWebCodecs = await readAloudAt(browser!, `${server.url}/`).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nvite preview printed:\n${server.output()}`, { cause: error });
      });
      expectReadAloud(withWebCodecs.reading, withWebCodecs.record);
      expect(withWebCodecs.record.scripts.some((script) => /OPUS_INVALID_PACKET|mpg123-decoder: /.test(script.body)), 'no WASM decoder downloaded').toBe(false);
    } finally {
      await server.stop();
    }
  }, 240_000);

  it('type-checks every README example marked `<!-- typecheck -->` against the packed package', () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/<!-- typecheck(?:: (.*?))? -->\n```(tsx?)\n([\s\S]*?)\n```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const files = blocks.map(([, declarations, language, code], index) => {
      const file = `readme-${index}.${language}`;
      // Each block is its own module; the marker may declare what the snippet takes as given.
      writeFileSync(path.join(app.dir, file), `${declarations ?? ''}\n${code}\nexport {};\n`);
      return file;
    });
    // Express is not a dependency here: the README's Express example is checked against this much of it.
    writeFileSync(
      path.join(app.dir, 'express-shim.d.ts'),
      "declare module 'express' {\n  import type { RequestListener } from 'node:http';\n  export default function express(): RequestListener & { use(...handlers: unknown[]): void };\n}\n",
    );
    writeFileSync(
      path.join(app.dir, 'tsconfig.readme.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'Bundler', jsx: 'react-jsx', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['src/vite-env.d.ts', 'express-shim.d.ts', ...files],
      }),
    );
    try {
      execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.readme.json'], { cwd: app.dir, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      throw new Error(`README examples do not type-check:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
  }, 180_000);
});
