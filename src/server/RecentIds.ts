/**
 * The last few task ids that ended on one connection, so late `continue-task` / `finish-task` frames for
 * them can be ignored as the service does, without the set growing for as long as the connection lives:
 * past `limit` ids, the oldest is forgotten.
 *
 * @example
 * const finished = new RecentIds(64);
 * finished.add(taskId);
 * if (finished.has(lateFrameTaskId)) return; // drop it
 */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #limit: number;

  /** Keeps at most `limit` ids (the most recently added). */
  constructor(limit = 64) {
    this.#limit = limit;
  }

  /** Remembers `id` as the most recent one, forgetting the oldest past the limit. */
  add(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    while (this.#ids.size > this.#limit) this.#ids.delete(this.#ids.values().next().value as string);
  }

  /** Whether `id` is among the remembered ones. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** How many ids are remembered (at most the limit). */
  get size(): number {
    return this.#ids.size;
  }
}
