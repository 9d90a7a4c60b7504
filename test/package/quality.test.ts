import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, projectRoot } from '../utils/builtPackage';

const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name);

beforeAll(() => ensureBuilt(['index.js', 'core.js', 'playback.js', 'server.js', 'styles.css']), 120_000);

describe('package quality gates', () => {
  it('passes publint --strict', () => {
    const out = execFileSync(bin('publint'), ['--strict'], { cwd: projectRoot, encoding: 'utf8' });
    expect(out).toContain('All good!');
  }, 60_000);

  it('has correct types for every entry under node16 (ESM and CJS) and bundler resolution (attw)', () => {
    // node10 resolution predates `exports` subpaths and is out of scope (engines: node >= 20).
    const out = execFileSync(bin('attw'), ['--pack', '.', '--profile', 'node16', '--exclude-entrypoints', 'styles.css', '--format', 'json'], { cwd: projectRoot, encoding: 'utf8' });
    const report = JSON.parse(out) as { analysis: { problems: Array<{ resolutionKind?: string }> } };
    expect(report.analysis.problems.filter((problem) => problem.resolutionKind !== 'node10')).toEqual([]);
  }, 120_000);

  it('keeps SpeakButton + KaraokeText within the 9 kB guard, min+gzip, initial load (React and react-query excluded)', () => {
    const out = execFileSync(process.execPath, [path.join(projectRoot, 'scripts/bundle-size.mjs'), '--json'], { cwd: projectRoot, encoding: 'utf8' });
    const figures = JSON.parse(out) as { gzipBytes: number; budgetBytes: number };
    expect(figures.budgetBytes).toBe(9 * 1024);
    expect(figures.gzipBytes).toBeLessThanOrEqual(figures.budgetBytes);
  }, 60_000);

  it('leaves process.env.NODE_ENV to the app bundler, so development warnings drop out of production builds', async () => {
    // The warning lives in the chunk of the module that gives it; whichever file that is, it is guarded, not baked in.
    const distFiles = readdirSync(path.join(projectRoot, 'dist')).filter((name) => name.endsWith('.js'));
    const warning = distFiles.map((name) => readFileSync(path.join(projectRoot, 'dist', name), 'utf8')).filter((text) => text.includes('received no'));
    expect(warning.length).toBeGreaterThan(0);
    for (const text of warning) expect(text).toContain('process.env.NODE_ENV !== "production"');
    const { build } = await import('esbuild');
    const bundle = async (nodeEnv: string) => {
      const result = await build({
        stdin: { contents: "export { SpeakButton, KaraokeText } from './dist/index.js';", resolveDir: projectRoot, loader: 'js' },
        bundle: true, minify: true, format: 'esm', write: false, splitting: true, outdir: path.join(projectRoot, '.tmp-quality'),
        external: ['react', 'react-dom', 'react/jsx-runtime', '@tanstack/react-query', 'opus-decoder', 'mpg123-decoder'],
        define: { 'process.env.NODE_ENV': JSON.stringify(nodeEnv) }, logLevel: 'silent',
      });
      return result.outputFiles.map((file) => file.text).join('\n');
    };
    const development = await bundle('development');
    const production = await bundle('production');
    expect(development).toContain('received no'); // the warning is there for development builds…
    expect(production).toContain('Read aloud');
    expect(production).not.toContain('received no'); // …and gone from a production build
  });
});
