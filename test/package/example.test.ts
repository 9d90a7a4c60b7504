import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, projectRoot } from '../utils/builtPackage';

// examples/vite-app, copied out of the repository and installed from the packed tarball.
let app: string;
beforeAll(() => {
  ensureBuilt(['index.js', 'styles.css', 'server.js']);
  app = mkdtempSync(path.join(tmpdir(), 'cosyvoice-example-'));
  cpSync(path.join(projectRoot, 'examples', 'vite-app'), app, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes(`${path.sep}dist`) });
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: projectRoot, encoding: 'utf8' }).trim().split('\n').pop()!;
  const pkg = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8'));
  pkg.dependencies['cosyvoice-react'] = `file:./${tarball}`;
  execFileSync('node', ['-e', `require('fs').writeFileSync('package.json', ${JSON.stringify(JSON.stringify(pkg, null, 2))})`], { cwd: app });
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, stdio: 'pipe' });
}, 240_000);
afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the example app (examples/vite-app)', () => {
  it('type-checks against the published types', () => {
    execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, stdio: 'pipe' });
  }, 60_000);

  it('builds with Vite, with the React entry and stylesheet and without any Node server code', () => {
    execFileSync(process.execPath, [path.join(app, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: app, stdio: 'pipe' });
    const assets = path.join(app, 'dist', 'assets');
    expect(existsSync(path.join(app, 'dist', 'index.html'))).toBe(true);
    const files = readdirSync(assets);
    const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    const css = files.filter((f) => f.endsWith('.css')).map((f) => readFileSync(path.join(assets, f), 'utf8')).join('\n');
    expect(js).toContain('/api-ws/v1/inference');
    expect(css).toContain('.cosyvoice-karaoke');
    expect(js).not.toMatch(/worker_threads|node:http|WebSocketServer/);
  }, 120_000);

  it('type-checks every README example marked `<!-- typecheck -->` against the packed package', () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/<!-- typecheck(?:: (.*?))? -->\n```(tsx?)\n([\s\S]*?)\n```/g)];
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const files = blocks.map(([, declarations, language, code], index) => {
      const file = `readme-${index}.${language}`;
      // Each block is its own module; the marker may declare what the snippet takes as given.
      writeFileSync(path.join(app, file), `${declarations ?? ''}\n${code}\nexport {};\n`);
      return file;
    });
    // Express is not a dependency here: the README's Express example is checked against this much of it.
    writeFileSync(
      path.join(app, 'express-shim.d.ts'),
      "declare module 'express' {\n  import type { RequestListener } from 'node:http';\n  export default function express(): RequestListener & { use(...handlers: unknown[]): void };\n}\n",
    );
    writeFileSync(
      path.join(app, 'tsconfig.readme.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'Bundler', jsx: 'react-jsx', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['src/vite-env.d.ts', 'express-shim.d.ts', ...files],
      }),
    );
    try {
      execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.readme.json'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      throw new Error(`README examples do not type-check:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
  }, 60_000);
});
