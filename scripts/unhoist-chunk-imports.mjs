// Blanks the bare `import "./chunk-….js";` lines esbuild's code splitting adds to the ES build's files.
// esbuild hoists every chunk a file needs transitively into a bare import, so that unbundled ESM fetches
// them in parallel. This package has no module side effects ("sideEffects" in package.json), so those
// imports do nothing at run time; but an app's bundler follows them when it decides which chunk a module
// belongs to, and so pulled the speech engine's modules (protocol, segmentation, …) out of the engine's
// lazy chunk into the initial load. Named imports, which carry the real dependencies, are left alone.
// The line is blanked, not removed, so that the source maps' line numbers stay right.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOISTED_CHUNK_IMPORT = /^import "(?:\.\/|\.\.\/)+(?:[\w-]+\/)*chunk-[A-Z0-9]+\.js";$/;

/** Blanks hoisted bare chunk imports in every .js file under `directory`; returns how many it blanked. */
export function unhoistChunkImports(directory) {
  let blanked = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      blanked += unhoistChunkImports(file);
      continue;
    }
    if (!entry.name.endsWith('.js')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    let changed = false;
    for (let index = 0; index < lines.length; index++) {
      if (!HOISTED_CHUNK_IMPORT.test(lines[index])) continue;
      lines[index] = '';
      changed = true;
      blanked++;
    }
    if (changed) writeFileSync(file, lines.join('\n'));
  }
  return blanked;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = fileURLToPath(new URL('../dist', import.meta.url));
  console.log(`unhoist-chunk-imports: blanked ${unhoistChunkImports(dist)} hoisted chunk imports in dist/`);
}
