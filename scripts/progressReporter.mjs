// A vitest reporter for `npm test`'s watchdog (scripts/run-tests.mjs): it keeps a small JSON file current
// with the tests passed and failed so far, the test files still running, and when each project last
// started or finished a test, so that a run stopped because it hung can say how far it got and which
// files never finished. At the end of the run it adds what the WebKit passes need to tell a crashed page
// from a failed test: every file the run was given, the tests of each file that finished, and the
// run's unhandled errors with their causes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export default class ProgressReporter {
  #file = process.env.COSYVOICE_PROGRESS_FILE;
  #root = process.cwd();
  #passed = 0;
  #failed = 0;
  /** Test file label → its project's name. */
  #running = new Map();
  /** Project name → when one of its files last started, or one of its tests finished (ms since the epoch). */
  #lastActivity = new Map();
  /** Every file the run was given: `{ project, file }`. */
  #planned = [];
  /** Files that finished: `{ project, file, passed, failed, loadFailed }`. */
  #finished = [];
  /** Set at the end of the run. */
  #end;

  onInit(vitest) {
    this.#root = vitest.config.root;
    this.#write();
  }

  onTestRunStart(specifications) {
    this.#planned = specifications.map((specification) => ({ project: specification.project.name, file: this.#relative(specification.moduleId) }));
  }

  onTestModuleStart(testModule) {
    this.#running.set(this.#label(testModule), testModule.project.name);
    this.#touch(testModule);
  }

  onTestModuleEnd(testModule) {
    this.#running.delete(this.#label(testModule));
    // A file that failed to load has no test cases to count.
    const loadFailed = testModule.state() === 'failed' && testModule.children.size === 0;
    if (loadFailed) this.#failed += 1;
    let passed = 0;
    let failed = 0;
    for (const testCase of testModule.children.allTests()) {
      const { state } = testCase.result();
      if (state === 'passed') passed += 1;
      else if (state === 'failed') failed += 1;
    }
    this.#finished.push({ project: testModule.project.name, file: this.#relative(testModule.moduleId), passed, failed, loadFailed });
    this.#touch(testModule);
  }

  onTestCaseResult(testCase) {
    const { state } = testCase.result();
    if (state === 'passed') this.#passed += 1;
    else if (state === 'failed') this.#failed += 1;
    this.#touch(testCase.module);
  }

  onTestRunEnd(_testModules, unhandledErrors, reason) {
    /** An error's message and those of its causes, outermost first. */
    const messages = (error) => {
      const chain = [];
      for (let current = error; current && chain.length < 10; current = current.cause) chain.push(String(current.message ?? current));
      return chain;
    };
    this.#end = { reason, unhandledErrors: unhandledErrors.map(messages) };
    this.#write();
  }

  #relative(moduleId) {
    return path.relative(this.#root, moduleId);
  }

  #label(testModule) {
    return `${testModule.project.name} › ${this.#relative(testModule.moduleId)}`;
  }

  #touch(testModule) {
    this.#lastActivity.set(testModule.project.name, Date.now());
    this.#write();
  }

  #write() {
    if (!this.#file) return;
    const running = [...this.#running].map(([file, project]) => ({ file, project, lastActivity: this.#lastActivity.get(project) ?? Date.now() }));
    const progress = { passed: this.#passed, failed: this.#failed, running };
    // The per-file lists only at the end: the file is rewritten after every test.
    const end = this.#end && { planned: this.#planned, finished: this.#finished, end: this.#end };
    writeFileSync(this.#file, JSON.stringify({ ...progress, ...end }));
  }
}
