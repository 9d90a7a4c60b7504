import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The package's public entry points mapped to their sources (tests, stories and the dev server use them). */
export const sourceAliases = [
  { find: /^cosyvoice-react\/core$/, replacement: path.join(root, 'src/core/index.ts') },
  { find: /^cosyvoice-react\/dom$/, replacement: path.join(root, 'src/dom/index.ts') },
  { find: /^cosyvoice-react\/playback$/, replacement: path.join(root, 'src/playback/index.ts') },
  { find: /^cosyvoice-react\/server$/, replacement: path.join(root, 'src/server/index.ts') },
  { find: /^cosyvoice-react\/wasm-decoders$/, replacement: path.join(root, 'src/wasm-decoders/index.ts') },
  { find: /^cosyvoice-react$/, replacement: path.join(root, 'src/index.ts') },
];

/** Where the server sources live, for loading them through Vite (TypeScript, extensionless imports). */
export const serverEntry = path.join(root, 'src/server/index.ts');
