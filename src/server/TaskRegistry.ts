import { RecentIds } from './RecentIds';

/** Ended task ids remembered per connection, so their late frames are ignored (a long-lived connection runs many tasks). */
const ENDED_IDS_KEPT = 64;

/**
 * The tasks of one connection, for the local server and the proxy alike: the running ones by id, and the
 * last 64 that ended, whose late `continue-task` / `finish-task` frames are dropped silently as the
 * service does (an id never seen gets `task can not be null`).
 *
 * @example
 * const found = tasks.find(frame.taskId);
 * if (found === 'ended') return; // a late frame
 * if (found === undefined) return fail(frame.taskId, SERVER_ERRORS.taskNull);
 */
export class TaskRegistry<T> {
  readonly #running = new Map<string, T>();
  readonly #ended = new RecentIds(ENDED_IDS_KEPT);

  /** How many tasks are running. */
  get size(): number {
    return this.#running.size;
  }

  /** Whether `taskId` is running. */
  has(taskId: string): boolean {
    return this.#running.has(taskId);
  }

  /** The running task, `'ended'` for one that ended lately, `undefined` for an id not seen (or long forgotten). */
  find(taskId: string): T | 'ended' | undefined {
    const task = this.#running.get(taskId);
    if (task !== undefined) return task;
    return this.#ended.has(taskId) ? 'ended' : undefined;
  }

  /**
   * Whether a frame is a late one to drop silently: a `continue-task` or `finish-task` (well-formed or
   * not) for a task that ended lately.
   */
  isLate(action: string | undefined, taskId: string): boolean {
    return (action === 'continue-task' || action === 'finish-task' || action === 'flush') && !this.#running.has(taskId) && this.#ended.has(taskId);
  }

  /** Registers a running task. */
  add(taskId: string, task: T): void {
    this.#running.set(taskId, task);
  }

  /** The task ended: it is forgotten, and its id remembered as ended. Returns the task if it was running. */
  end(taskId: string): T | undefined {
    const task = this.#running.get(taskId);
    this.#running.delete(taskId);
    this.#ended.add(taskId);
    return task;
  }

  /** The running tasks' ids. */
  ids(): string[] {
    return [...this.#running.keys()];
  }

  /** The running tasks. */
  values(): T[] {
    return [...this.#running.values()];
  }

  /** Forgets every running task (the connection closed). */
  clear(): void {
    this.#running.clear();
  }
}
