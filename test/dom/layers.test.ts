import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const domDir = path.join(import.meta.dirname, '../../src/dom');

/** Every module a file imports (static and dynamic), as written. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) found.push(match[1]!);
  return found;
}

describe('src/dom layer', () => {
  it('imports only itself and core: no React, no playback, hooks or components', () => {
    const files = readdirSync(domDir).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(path.join(domDir, file), 'utf8'))) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\/|\.\.\/core\/)/);
      }
    }
  });
});
