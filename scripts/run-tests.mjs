// `npm test`: makes sure Debian's Chromium is there, type-checks, builds, runs every vitest project
// (node, jsdom, browser) and ends with the plain line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

function step(title, command, args, options = {}) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.log(`\n${title} failed`);
    console.log('0 passed, 1 failed');
    process.exit(result.status ?? 1);
  }
}

function ensureChromium() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(chromium)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    console.log(`Chromium not found at ${chromium}: installing Debian's chromium package`);
    step('apt-get update', 'apt-get', ['update', '-qq']);
    step('apt-get install chromium', 'apt-get', ['install', '-y', '-qq', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  console.error(
    `Chromium not found at ${chromium}. The browser tests run in Debian's chromium:\n` +
      `  sudo apt-get update && sudo apt-get install -y chromium\n` +
      `or point CHROMIUM_PATH at another Chromium binary.`,
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

ensureChromium();
// React 18 for the `react18` test project (the package itself develops against React 19).
if (!existsSync(path.join(root, 'test/react18/node_modules/react/package.json'))) {
  step('install React 18 for the react18 test project', 'npm', ['ci', '--prefix', 'test/react18', '--no-audit', '--no-fund']);
}
step('type-check', 'npm', ['run', '--silent', 'typecheck']);
step('build', 'npm', ['run', '--silent', 'build']);

const report = path.join(root, 'vitest-report.json');
rmSync(report, { force: true });
console.log('\n> vitest');
const vitest = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests + (result.numFailedTestSuites ?? 0) * (result.numTotalTests === 0 ? 1 : 0);
  if (vitest.status !== 0 && failed === 0) failed = 1; // e.g. a suite that failed to load
}
if (passed === 0 && failed === 0) failed = 1; // ran no test: that is a failure, not a pass
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitest.status === 0 && failed === 0 ? 0 : 1);
