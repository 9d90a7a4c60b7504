// A vitest reporter for `npm test`'s watchdog (scripts/run-tests.mjs): it keeps a small JSON file current
// with the tests passed and failed so far, the test files still running, and when each project last
// started or finished a test, so that a run stopped because it hung can say how far it got and which
// files never finished.
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

  onInit(vitest) {
    this.#root = vitest.config.root;
    this.#write();
  }

  onTestModuleStart(testModule) {
    this.#running.set(this.#label(testModule), testModule.project.name);
    this.#touch(testModule);
  }

  onTestModuleEnd(testModule) {
    this.#running.delete(this.#label(testModule));
    // A file that failed to load has no test cases to count.
    if (testModule.state() === 'failed' && testModule.children.size === 0) this.#failed += 1;
    this.#touch(testModule);
  }

  onTestCaseResult(testCase) {
    const { state } = testCase.result();
    if (state === 'passed') this.#passed += 1;
    else if (state === 'failed') this.#failed += 1;
    this.#touch(testCase.module);
  }

  #label(testModule) {
    return `${testModule.project.name} › ${path.relative(this.#root, testModule.moduleId)}`;
  }

  #touch(testModule) {
    this.#lastActivity.set(testModule.project.name, Date.now());
    this.#write();
  }

  #write() {
    if (!this.#file) return;
    const running = [...this.#running].map(([file, project]) => ({ file, project, lastActivity: this.#lastActivity.get(project) ?? Date.now() }));
    writeFileSync(this.#file, JSON.stringify({ passed: this.#passed, failed: this.#failed, running }));
  }
}
