import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unhoistChunkImports } from '../../scripts/unhoist-chunk-imports.mjs';

describe('unhoist-chunk-imports (build step)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('blanks only bare chunk imports, in nested folders too, and keeps every line where it was', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'unhoist-'));
    mkdirSync(path.join(dir, 'modules', 'core'), { recursive: true });
    const entry = ['"use client";', 'import {', '  speak', '} from "./chunk-AB12CD34.js";', 'import "./chunk-EF56GH78.js";', 'import "./styles.css";', 'import "react";', 'export { speak };'].join('\n');
    const nested = ['import "../../chunk-ZZ99YY88.js";', 'import { a } from "../../chunk-ZZ99YY88.js";', 'export { a };'].join('\n');
    writeFileSync(path.join(dir, 'index.js'), entry);
    writeFileSync(path.join(dir, 'modules', 'core', 'a.js'), nested);
    writeFileSync(path.join(dir, 'index.js.map'), 'import "./chunk-EF56GH78.js";');

    expect(unhoistChunkImports(dir)).toBe(2);

    const entryAfter = readFileSync(path.join(dir, 'index.js'), 'utf8').split('\n');
    expect(entryAfter).toHaveLength(8);
    expect(entryAfter[3]).toBe('} from "./chunk-AB12CD34.js";');
    expect(entryAfter[4]).toBe('');
    expect(entryAfter.slice(5)).toEqual(['import "./styles.css";', 'import "react";', 'export { speak };']);
    expect(readFileSync(path.join(dir, 'modules', 'core', 'a.js'), 'utf8')).toBe(['', 'import { a } from "../../chunk-ZZ99YY88.js";', 'export { a };'].join('\n'));
    expect(readFileSync(path.join(dir, 'index.js.map'), 'utf8')).toBe('import "./chunk-EF56GH78.js";');
  });
});
