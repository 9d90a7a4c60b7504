// Types of scripts/webKitReruns.mjs, for its test.

/** A test file of one project, as scripts/progressReporter.mjs names it. */
export interface TestFile {
  project: string;
  file: string;
}

/** What scripts/progressReporter.mjs writes at a run's end (the parts read here). */
export interface RunProgress {
  planned?: TestFile[];
  finished?: (TestFile & { passed: number; failed: number; loadFailed: boolean })[];
  end?: { unhandledErrors: string[][] };
}

/** The WebKit runs of one `npm test`, settled so far. */
export interface WebKitTally {
  /** `project › file` → its tests' counts from the run that counts. */
  results: Map<string, { passed: number; failed: number }>;
  /** `project › file` → how many times the web process died under it. */
  crashes: Map<string, number>;
  reruns: number;
  otherFailures: number;
}

export const CRASH_RERUNS_PER_FILE: number;
export const CRASH_RERUNS_IN_ALL: number;
export function fileKey(module: TestFile): string;
export function createWebKitTally(): WebKitTally;
export function settleWebKitRun(
  tally: WebKitTally,
  run: { files: TestFile[] | undefined; progress: RunProgress | undefined; webProcessCrashed: boolean; status: number; root: string },
): { next: TestFile[]; log: string[] };
