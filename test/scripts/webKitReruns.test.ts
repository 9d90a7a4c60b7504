// The rules by which `npm test` settles the WebKit runs: a file rerun only when WebKitGTK's web process
// crashed under it, never for a failed assertion; every test counted once.
import { describe, expect, it } from 'vitest';
import { CRASH_RERUNS_IN_ALL, createWebKitTally, settleWebKitRun, type TestFile } from '../../scripts/webKitReruns.mjs';

const root = '/repo';
const project = 'browser-webkit (webkit)';
const file = (name: string) => ({ project, file: `test/${name}.browser.test.ts` });
const [first, second, third] = [file('first'), file('second'), file('third')];
const done = (module: TestFile, passed: number, failed = 0) => ({ ...module, passed, failed, loadFailed: false });
/** The unhandled error vitest reports when the page's connection closes while `module` runs. */
const connectionLost = (module: { file: string }) => [
  `Failed to run the test ${root}/${module.file}.`,
  '[vitest] Browser connection was closed while running tests. Was the page closed unexpectedly?',
  '[birpc] rpc is closed, cannot call "createTesters"',
];
const totals = (tally: ReturnType<typeof createWebKitTally>) => {
  let passed = 0;
  let failed = tally.otherFailures;
  for (const result of tally.results.values()) {
    passed += result.passed;
    failed += result.failed;
  }
  return { passed, failed };
};

describe('settleWebKitRun', () => {
  it('reruns the file the web process died under, runs the files it kept from starting next, and counts each test once', () => {
    const tally = createWebKitTally();
    const crashed = settleWebKitRun(tally, {
      files: undefined,
      progress: { planned: [first, second, third], finished: [done(first, 5), done(second, 2)], end: { unhandledErrors: [connectionLost(second)] } },
      webProcessCrashed: true,
      status: 1,
      root,
    });
    expect(crashed.next).toEqual([second, third]);
    expect(crashed.log.join('\n')).toContain('the web process crashed while test/second.browser.test.ts ran (crash 1); running it again');

    const rerun = settleWebKitRun(tally, {
      files: crashed.next,
      progress: { planned: [second, third], finished: [done(second, 6), done(third, 3)], end: { unhandledErrors: [] } },
      webProcessCrashed: false,
      status: 0,
      root,
    });
    expect(rerun.next).toEqual([]);
    // The crashed run's 2 passed tests of `second` are not counted next to its rerun's 6.
    expect(totals(tally)).toEqual({ passed: 5 + 6 + 3, failed: 0 });
  });

  it('never reruns a failed assertion', () => {
    const tally = createWebKitTally();
    const { next } = settleWebKitRun(tally, {
      files: undefined,
      progress: { planned: [first, second], finished: [done(first, 4, 1), done(second, 2)], end: { unhandledErrors: [] } },
      webProcessCrashed: false,
      status: 1,
      root,
    });
    expect(next).toEqual([]);
    expect(totals(tally)).toEqual({ passed: 6, failed: 1 });
  });

  it('does not rerun a lost connection without a crash of the web process: it fails', () => {
    const tally = createWebKitTally();
    const { next, log } = settleWebKitRun(tally, {
      files: undefined,
      progress: { planned: [first, second], finished: [done(first, 3)], end: { unhandledErrors: [connectionLost(first)] } },
      webProcessCrashed: false,
      status: 1,
      root,
    });
    expect(next).toEqual([]);
    expect(log.join('\n')).toContain('did not crash: counted as a failure, not rerun');
    // `first`'s 3 tests that passed before the page died count, and its lost run as one failure; `second`,
    // which never ran, fails too.
    expect(totals(tally)).toEqual({ passed: 3, failed: 2 });
  });

  it('gives up on a file after two reruns, and counts it failed once', () => {
    const tally = createWebKitTally();
    let files: TestFile[] | undefined;
    const runs: string[][] = [];
    for (let run = 0; run < 10; run++) {
      const { next, log } = settleWebKitRun(tally, {
        files,
        progress: { planned: [first], finished: [done(first, 1)], end: { unhandledErrors: [connectionLost(first)] } },
        webProcessCrashed: true,
        status: 1,
        root,
      });
      runs.push(log);
      if (next.length === 0) break;
      files = next;
    }
    expect(runs).toHaveLength(3);
    expect(runs[2]!.join('\n')).toContain('(crash 3): no more reruns, counted as a failure');
    expect(totals(tally)).toEqual({ passed: 1, failed: 1 });
  });

  it(`stops rerunning after ${CRASH_RERUNS_IN_ALL} crash reruns in all`, () => {
    const tally = createWebKitTally();
    const modules = ['a', 'b', 'c'].map(file);
    let reruns = 0;
    for (const module of modules) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const { next } = settleWebKitRun(tally, {
          files: [module],
          progress: { planned: [module], finished: [], end: { unhandledErrors: [connectionLost(module)] } },
          webProcessCrashed: true,
          status: 1,
          root,
        });
        if (next.length === 0) break;
        reruns++;
      }
    }
    expect(reruns).toBe(CRASH_RERUNS_IN_ALL);
    expect(totals(tally)).toEqual({ passed: 0, failed: 3 });
  });

  it('counts any other unhandled error, and a failed run with nothing to show why, as failures', () => {
    const tally = createWebKitTally();
    settleWebKitRun(tally, {
      files: undefined,
      progress: { planned: [first], finished: [done(first, 2)], end: { unhandledErrors: [['TypeError: boom']] } },
      webProcessCrashed: false,
      status: 1,
      root,
    });
    expect(totals(tally)).toEqual({ passed: 2, failed: 1 });
    const silent = createWebKitTally();
    settleWebKitRun(silent, { files: undefined, progress: undefined, webProcessCrashed: false, status: 1, root });
    expect(totals(silent)).toEqual({ passed: 0, failed: 1 });
  });
});
