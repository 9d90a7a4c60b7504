// `npm run bench`: runs every bench/*.bench.mjs in turn; each writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir).filter((f) => f.endsWith('.bench.mjs') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n> ${bench}`);
  const result = spawnSync(process.execPath, [path.join(dir, bench)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
console.log(`\n${benches.length - failed} benches ran, ${failed} failed; results in bench/results/`);
process.exit(failed ? 1 : 0);
