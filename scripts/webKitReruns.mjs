// How `npm test` (scripts/run-tests.mjs) settles one vitest run of the WebKit projects: which files count,
// and how, and which run again because WebKitGTK's web process died under them. Pure, so that the rules
// are tested (test/scripts/webKitReruns.test.ts) without crashing a browser.
import path from 'node:path';

/** A file whose run the web process's death cut short runs again in a fresh WebKit, at most this many times. */
export const CRASH_RERUNS_PER_FILE = 2;
/** At most this many crash reruns in all: an engine that keeps dying fails the run instead of retrying for an hour. */
export const CRASH_RERUNS_IN_ALL = 4;

/** What vitest says when a browser page's connection closes under a running file (the file is in the outer message). */
const CONNECTION_CLOSED = 'Browser connection was closed while running tests';
const FAILED_TO_RUN = 'Failed to run the test ';

/** `project › file`, a test file's key. */
export const fileKey = (module) => `${module.project} › ${module.file}`;

/**
 * A fresh tally for the WebKit runs of one `npm test`.
 * @returns {{ results: Map<string, { passed: number, failed: number }>, crashes: Map<string, number>, reruns: number, otherFailures: number }}
 */
export function createWebKitTally() {
  return { results: new Map(), crashes: new Map(), reruns: 0, otherFailures: 0 };
}

/**
 * Settles one run into `tally` and says what runs next. A file runs again only when the web process crashed
 * during the run (`webProcessCrashed`: MiniBrowser said so) *and* vitest lost the page's connection while
 * that file ran; files the crash kept from starting run next too. Each file counts once, from its last run.
 * A failed assertion, an error, or a lost connection without a crash is never rerun.
 *
 * @param {object} tally from {@link createWebKitTally}, updated in place
 * @param {object} run
 * @param {{ project: string, file: string }[] | undefined} run.files the files this run was given, or undefined for all
 * @param {object | undefined} run.progress what scripts/progressReporter.mjs wrote at the run's end
 * @param {boolean} run.webProcessCrashed
 * @param {number} run.status vitest's exit status
 * @param {string} run.root the project's root (the reporter's paths are relative to it)
 * @returns {{ next: { project: string, file: string }[], log: string[] }}
 */
export function settleWebKitRun(tally, { files, progress, webProcessCrashed, status, root }) {
  const log = [];
  const planned = progress?.planned ?? [];
  const finished = progress?.finished ?? [];
  const wanted = new Set((files ?? planned).map(fileKey));
  // The file that was running when the page's connection closed.
  const lost = [];
  let unhandled = 0;
  for (const chain of progress?.end?.unhandledErrors ?? []) {
    const outer = chain[0] ?? '';
    const file = outer.startsWith(FAILED_TO_RUN) && chain.some((message) => message.includes(CONNECTION_CLOSED)) ? outer.slice(FAILED_TO_RUN.length).replace(/\.$/, '') : undefined;
    const module = file && planned.find((candidate) => path.resolve(root, candidate.file) === path.resolve(root, file));
    if (module && wanted.has(fileKey(module))) lost.push(module);
    else unhandled++;
  }
  tally.otherFailures += unhandled;
  const lostKeys = new Set(lost.map(fileKey));
  let failedTests = 0;
  for (const module of finished) {
    if (!wanted.has(fileKey(module)) || lostKeys.has(fileKey(module))) continue;
    const result = { passed: module.passed, failed: module.failed + (module.loadFailed ? 1 : 0) };
    tally.results.set(fileKey(module), result);
    failedTests += result.failed;
  }
  const next = [];
  for (const module of lost) {
    const before = finished.find((candidate) => fileKey(candidate) === fileKey(module));
    // What ran before the page died counts, and the file's lost run as one failure.
    const partial = { passed: before?.passed ?? 0, failed: 1 + (before?.failed ?? 0) };
    if (!webProcessCrashed) {
      log.push(`WebKit: the page's connection closed while ${module.file} ran, but WebKit's web process did not crash: counted as a failure, not rerun.`);
      tally.results.set(fileKey(module), partial);
      continue;
    }
    const times = (tally.crashes.get(fileKey(module)) ?? 0) + 1;
    tally.crashes.set(fileKey(module), times);
    if (times <= CRASH_RERUNS_PER_FILE && tally.reruns < CRASH_RERUNS_IN_ALL) {
      tally.reruns++;
      log.push(`WebKit: the web process crashed while ${module.file} ran (crash ${times}); running it again in a fresh WebKit (rerun ${tally.reruns} of at most ${CRASH_RERUNS_IN_ALL}).`);
      next.push(module);
    } else {
      log.push(`WebKit: the web process crashed while ${module.file} ran (crash ${times}): no more reruns, counted as a failure.`);
      tally.results.set(fileKey(module), partial);
    }
  }
  if (webProcessCrashed && lost.length === 0) log.push('WebKit: the web process crashed with no test file running; nothing to rerun.');
  const notRun = (files ?? planned).filter((module) => !tally.results.has(fileKey(module)) && !lostKeys.has(fileKey(module)));
  if (notRun.length > 0 && lost.length > 0 && webProcessCrashed) {
    // Each such run settles a file or spends a rerun, so the runs end.
    log.push(`WebKit: ${notRun.length} file(s) did not start because of the crash; they run next.`);
    next.push(...notRun);
  } else if (notRun.length > 0) {
    // Not a crash: whatever kept them from running fails the run.
    log.push(`WebKit: ${notRun.length} file(s) did not run: ${notRun.map((module) => module.file).join(', ')}.`);
    for (const module of notRun) tally.results.set(fileKey(module), { passed: 0, failed: 1 });
  }
  // Failed, and nothing above says why.
  if (status !== 0 && failedTests === 0 && lost.length === 0 && unhandled === 0 && notRun.length === 0) tally.otherFailures++;
  return { next: [...new Map(next.map((module) => [fileKey(module), module])).values()], log };
}
