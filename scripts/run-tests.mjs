// `npm test`: makes sure Debian's Chromium, Firefox ESR, WebKitGTK and redis-server are there, type-checks, builds, runs
// every vitest project (node, jsdom, and the browser and story projects in Chromium and Firefox, and in
// WebKit with COSYVOICE_WEBKIT=1) and ends with the plain line "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const startedAt = Date.now();

function step(title, command, args, options = {}) {
  console.log(`\n> ${title}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.log(`\n${title} failed`);
    console.log('0 passed, 1 failed');
    process.exit(result.status ?? 1);
  }
}

// Every browser the tests run in (and the Redis server) comes from Debian: what is missing is installed
// with apt-get when we are root (one `apt-get update` first), never downloaded from anywhere else.
const BROWSERS = [
  { what: 'Chromium', path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', packages: ['chromium'], env: 'CHROMIUM_PATH' },
  { what: 'Firefox ESR', path: process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr', packages: ['firefox-esr'], env: 'FIREFOX_PATH' },
  // WebKitGTK's driver and MiniBrowser, and the virtual display it needs (no headless mode).
  { what: 'WebKitGTK (WebKitWebDriver)', path: '/usr/bin/WebKitWebDriver', packages: ['webkit2gtk-driver'] },
  { what: 'Xvfb (xvfb-run)', path: '/usr/bin/xvfb-run', packages: ['xvfb'] },
  // A private null sink gives Firefox a real audio device (the firefox-pulse project).
  { what: 'PulseAudio', path: '/usr/bin/pulseaudio', packages: ['pulseaudio'], noRecommends: true },
  // Not a browser: the proxy's Redis store is tested against a real redis-server, one per test file on a
  // free loopback port, without persistence (test/server/redisServer.ts starts and stops it).
  { what: 'Redis (redis-server)', path: process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server', packages: ['redis-server'], noRecommends: true, env: 'REDIS_SERVER_PATH', skippable: true },
];

function ensureBrowsers() {
  let missing = BROWSERS.filter((browser) => !existsSync(browser.path));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    console.log(`Not found: ${missing.map((browser) => browser.what).join(', ')}. Installing Debian's packages.`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    step('apt-get update', 'apt-get', ['update', '-qq']);
    const plain = missing.filter((browser) => !browser.noRecommends).flatMap((browser) => browser.packages);
    const lean = missing.filter((browser) => browser.noRecommends).flatMap((browser) => browser.packages);
    if (plain.length > 0) step(`apt-get install ${plain.join(' ')}`, 'apt-get', ['install', '-y', '-qq', ...plain], { env });
    if (lean.length > 0) step(`apt-get install ${lean.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...lean], { env });
    return;
  }
  // Without apt (or root), a missing Redis skips the Redis tests with their reason (test/server/redisServer.ts)
  // instead of stopping everything; in CI it does not: there everything must run.
  const skippable = process.env.CI ? [] : missing.filter((browser) => browser.skippable);
  for (const tool of skippable) console.warn(`${tool.what} not found at ${tool.path} and cannot be installed here: its tests are skipped.`);
  missing = missing.filter((browser) => !skippable.includes(browser));
  if (missing.length === 0) return;
  const packages = missing.flatMap((browser) => browser.packages).join(' ');
  console.error(
    `Not found: ${missing.map((browser) => `${browser.what} at ${browser.path}`).join(', ')}. The browser tests run in Debian's browsers:\n` +
      `  sudo apt-get update && sudo apt-get install -y ${packages}\n` +
      `or point ${missing.filter((browser) => browser.env).map((browser) => browser.env).join(' / ') || 'the paths'} at other binaries.`,
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

ensureBrowsers();
// React 18 for the `react18` test project (the package itself develops against React 19).
if (!existsSync(path.join(root, 'test/react18/node_modules/react/package.json'))) {
  step('install React 18 for the react18 test project', 'npm', ['ci', '--prefix', 'test/react18', '--no-audit', '--no-fund']);
}
step('type-check', 'npm', ['run', '--silent', 'typecheck']);
step('build', 'npm', ['run', '--silent', 'build']);

const report = path.join(root, 'vitest-report.json');
const progressFile = path.join(root, 'vitest-progress.json');
rmSync(report, { force: true });
rmSync(progressFile, { force: true });

// A watchdog, so that a hang (a browser page that never comes back, say) fails the run with the files that
// hung named, instead of running until an outer timeout cuts everything off without a result.
const minutes = (name, fallback) => Number(process.env[name] ?? fallback) * 60_000;
/** A project with files running that neither starts a file nor finishes a test for this long is hung (its slowest test takes ~1.5 min on an idle machine). */
const stallLimitMs = minutes('COSYVOICE_TEST_STALL_MINUTES', 10);
/** The whole `npm test`, setup included; CI stops at 90 minutes. */
const deadlineMs = minutes('COSYVOICE_TEST_DEADLINE_MINUTES', 82);

console.log('\n> vitest');
const vitest = spawn(
  process.execPath,
  [
    path.join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    `--reporter=${path.join(root, 'scripts/progressReporter.mjs')}`,
    ...process.argv.slice(2),
  ],
  // Its own process group, so that the browsers and servers it started can be stopped with it.
  { stdio: 'inherit', detached: true, env: { ...process.env, COSYVOICE_PROGRESS_FILE: progressFile } },
);
/** Signals vitest's whole process group (its browsers and servers too). */
const signalVitest = (signal) => {
  try {
    process.kill(-vitest.pid, signal);
  } catch {
    // already gone
  }
};
// In its own process group vitest no longer gets the terminal's Ctrl-C: pass it on, so that stopping
// `npm test` stops the browsers too.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    signalVitest(signal);
    process.exit(130);
  });
}
const readProgress = () => {
  try {
    return JSON.parse(readFileSync(progressFile, 'utf8'));
  } catch {
    return undefined;
  }
};
let stoppedBecause;
const watchdog = setInterval(() => {
  const now = Date.now();
  const progress = readProgress();
  const hung = (progress?.running ?? []).filter((module) => now - module.lastActivity > stallLimitMs);
  if (hung.length > 0) stoppedBecause = { why: `no test finished for ${stallLimitMs / 60_000} minutes in`, files: hung.map((module) => module.file) };
  else if (now - startedAt > deadlineMs) stoppedBecause = { why: `the run passed its ${deadlineMs / 60_000}-minute deadline with these files still running:`, files: (progress?.running ?? []).map((module) => module.file) };
  if (!stoppedBecause) return;
  clearInterval(watchdog);
  console.log(`\nStopping vitest: ${stoppedBecause.why}\n${stoppedBecause.files.map((file) => `  ${file}`).join('\n')}`);
  signalVitest('SIGTERM');
  setTimeout(() => signalVitest('SIGKILL'), 10_000).unref();
}, 5_000);
const status = await new Promise((resolve) => vitest.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
clearInterval(watchdog);

let passed = 0;
let failed = 0;
if (stoppedBecause) {
  // The JSON report is written only at the end of a run: count what the progress reporter saw, and every
  // file that did not finish as one more failure.
  const progress = readProgress();
  passed = progress?.passed ?? 0;
  failed = (progress?.failed ?? 0) + Math.max(1, progress?.running?.length ?? 0);
} else if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests + (result.numFailedTestSuites ?? 0) * (result.numTotalTests === 0 ? 1 : 0);
  if (status !== 0 && failed === 0) failed = 1; // e.g. a suite that failed to load
}
if (passed === 0 && failed === 0) failed = 1; // ran no test: that is a failure, not a pass
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 && !stoppedBecause ? 0 : 1);
