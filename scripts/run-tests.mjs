// `npm test`: makes sure Debian's Chromium, Firefox ESR, WebKitGTK and redis-server are there, type-checks, builds, runs
// every vitest project (node, jsdom, and the browser and story projects in Chromium and Firefox), then the
// WebKit projects in runs of their own (a file cut short by a crash of WebKitGTK's web process runs again,
// at most twice), and ends with the plain line "N passed, N failed", every test counted once.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createWebKitTally, settleWebKitRun } from './webKitReruns.mjs';

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
const crashFile = path.join(root, 'vitest-webkit-crashes.jsonl');

// A watchdog, so that a hang (a browser page that never comes back, say) fails the run with the files that
// hung named, instead of running until an outer timeout cuts everything off without a result.
const minutes = (name, fallback) => Number(process.env[name] ?? fallback) * 60_000;
/** A project with files running that neither starts a file nor finishes a test for this long is hung (its slowest test takes ~1.5 min on an idle machine). */
const stallLimitMs = minutes('COSYVOICE_TEST_STALL_MINUTES', 10);
/** The whole `npm test`, setup and every vitest run included; CI stops at 90 minutes. */
const deadlineMs = minutes('COSYVOICE_TEST_DEADLINE_MINUTES', 82);

/**
 * The WebKit projects run in vitest runs of their own, after the rest: WebKitGTK's web process dies now and
 * then (a segfault in one of its own threads, in 2 of 4 runs of `browser-webkit` on a busy machine; README,
 * Browser support), and vitest then loses the page, the file running in it, and every browser project
 * after it. Apart, a crash costs only WebKit files, and those are rerun.
 */
const WEBKIT_PROJECTS = ['browser-webkit', 'storybook-webkit'];

/** The command's own arguments, split into `--project` choices for the main run and the WebKit runs, and the rest (given to both). */
function splitArguments(args) {
  const main = [];
  const webkit = [];
  const rest = [];
  let projectsChosen = false;
  for (let index = 0; index < args.length; index++) {
    let name;
    if (args[index] === '--project' && index + 1 < args.length) name = args[++index];
    else if (args[index].startsWith('--project=')) name = args[index].slice('--project='.length);
    else {
      rest.push(args[index]);
      continue;
    }
    projectsChosen = true;
    const pattern = new RegExp(`^${name.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const webkitNames = WEBKIT_PROJECTS.filter((project) => pattern.test(project));
    webkit.push(...webkitNames);
    if (!WEBKIT_PROJECTS.includes(name)) main.push('--project', name);
  }
  // A rerun names its files itself: it keeps the options (and `-t`'s pattern), not the command's file filters.
  const options = rest.filter((arg, index) => arg.startsWith('-') || ['-t', '--testNamePattern'].includes(rest[index - 1]));
  return {
    main: projectsChosen && main.length === 0 ? undefined : main,
    options,
    webkit: projectsChosen ? [...new Set(webkit)] : WEBKIT_PROJECTS,
    rest,
  };
}

const readProgress = () => {
  try {
    return JSON.parse(readFileSync(progressFile, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Why the watchdog stopped a run (then no other run starts). */
let stoppedBecause;
/** The vitest running now, for the signal handlers. */
let current;
/** Signals vitest's whole process group (its browsers and servers too). */
const signalVitest = (signal) => {
  try {
    if (current) process.kill(-current.pid, signal);
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

/** One vitest run under the watchdog; resolves with its exit status. */
async function runVitest(args, env) {
  rmSync(progressFile, { force: true });
  current = spawn(
    process.execPath,
    [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', `--reporter=${path.join(root, 'scripts/progressReporter.mjs')}`, ...args],
    // Its own process group, so that the browsers and servers it started can be stopped with it.
    { stdio: 'inherit', detached: true, env: { ...env, COSYVOICE_PROGRESS_FILE: progressFile } },
  );
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
  const status = await new Promise((resolve) => current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  clearInterval(watchdog);
  current = undefined;
  return status;
}

/** The failed tests (and files that failed to load) of vitest's JSON report: file, test name and the error's first line. */
function failedTests(result) {
  const lines = [];
  const firstLine = (text) => String(text ?? '').split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 300) ?? '';
  for (const file of result.testResults ?? []) {
    const name = path.relative(root, file.name ?? '');
    const failedAssertions = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failedAssertions) lines.push(`${name} > ${test.fullName ?? test.title}: ${firstLine(test.failureMessages?.[0])}`);
    if (failedAssertions.length === 0 && file.status === 'failed') lines.push(`${name}: ${firstLine(file.message) || 'failed to run'}`);
  }
  return lines;
}

/** What a run the watchdog stopped got through: the progress reporter's counts, and every file that did not finish as one more failure. */
function stoppedTally() {
  const progress = readProgress();
  return { passed: progress?.passed ?? 0, failed: (progress?.failed ?? 0) + Math.max(1, progress?.running?.length ?? 0) };
}

// The WebKit runs set COSYVOICE_WEBKIT themselves; the main run must not include the WebKit projects.
const inheritedEnv = { ...process.env };
delete inheritedEnv.COSYVOICE_WEBKIT;
const choice = splitArguments(process.argv.slice(2));
let passed = 0;
let failed = 0;
/** What failed, a line each, printed again just above the last line (CI shows the end of the output). */
const failures = [];

// Everything but WebKit, in one run (vitest.config.ts leaves the WebKit projects out without COSYVOICE_WEBKIT=1).
if (choice.main) {
  console.log('\n> vitest');
  rmSync(report, { force: true });
  const status = await runVitest(['--reporter=json', `--outputFile.json=${report}`, ...choice.main, ...choice.rest], inheritedEnv);
  if (stoppedBecause) {
    ({ passed, failed } = stoppedTally());
  } else if (existsSync(report)) {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed = result.numPassedTests;
    failed = result.numFailedTests + (result.numFailedTestSuites ?? 0) * (result.numTotalTests === 0 ? 1 : 0);
    failures.push(...failedTests(result));
    if (status !== 0 && failed === 0) failed = 1; // e.g. a suite that failed to load
  } else if (status !== 0) {
    failed = 1;
  }
}

// WebKit, in runs of its own. A file cut short by a crash of WebKitGTK's web process (MiniBrowser printed
// "WebProcess CRASHED", which the provider writes to the crash file, and vitest lost the page's connection
// while that file ran) runs again in a fresh WebKit; files the crash kept from running run next. Each file
// counts once, from its last run. A failed assertion, or a lost connection without a crash, is never rerun
// (scripts/webKitReruns.mjs).
if (choice.webkit.length > 0 && !stoppedBecause) {
  const tally = createWebKitTally();
  /** The files of the next run (`{ project, file }`), or undefined for every file of the WebKit projects. */
  let files;
  for (;;) {
    const projects = files ? [...new Set(files.map((module) => module.project))] : choice.webkit;
    console.log(`\n> vitest: WebKit (${projects.join(', ')})${files ? `, again: ${files.map((module) => module.file).join(', ')}` : ''}`);
    rmSync(crashFile, { force: true });
    const status = await runVitest(
      ['--passWithNoTests', ...projects.flatMap((project) => ['--project', project]), ...(files ? [...choice.options, ...files.map((module) => module.file)] : choice.rest)],
      { ...inheritedEnv, COSYVOICE_WEBKIT: '1', COSYVOICE_WEBKIT_CRASH_FILE: crashFile },
    );
    if (stoppedBecause) {
      const stopped = stoppedTally();
      passed += stopped.passed;
      failed += stopped.failed;
      break;
    }
    const webProcessCrashed = existsSync(crashFile) && readFileSync(crashFile, 'utf8').trim() !== '';
    const { next, log } = settleWebKitRun(tally, { files, progress: readProgress(), webProcessCrashed, status, root });
    for (const line of log) console.log(`\n${line}`);
    if (next.length === 0) break;
    files = next;
  }
  for (const [file, result] of tally.results) {
    passed += result.passed;
    failed += result.failed;
    if (result.failed > 0) failures.push(`WebKit: ${file}: ${result.failed} failed (see its run above)`);
  }
  failed += tally.otherFailures;
  const crashed = [...tally.crashes].map(([file, times]) => `${file} (${times}×)`);
  console.log(`\nWebKit: ${tally.results.size} files; ${crashed.length ? `the web process crashed under ${crashed.join(', ')}` : 'no web process crash'}.`);
}

if (stoppedBecause) failures.push(`stopped: ${stoppedBecause.why} ${stoppedBecause.files.join(', ')}`);
if (failures.length > 0) console.log(`\nFailed:\n${failures.map((line) => `  ${line}`).join('\n')}`);
if (passed === 0 && failed === 0) failed = 1; // ran no test: that is a failure, not a pass
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && !stoppedBecause ? 0 : 1);
