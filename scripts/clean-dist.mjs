// Removes dist/ before a build (tsup's own `clean` would wipe sibling configs' output).
import { rmSync } from 'node:fs';
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
