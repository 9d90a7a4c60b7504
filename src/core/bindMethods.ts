/**
 * Binds the named methods to `target`, so they keep working when destructured or handed out as
 * callbacks (`const { subscribe } = store`, actions returned by hooks). The library's one way to bind.
 *
 * @example
 * constructor() {
 *   bindMethods(this, ['subscribe', 'getSnapshot']);
 * }
 */
export function bindMethods<T extends object>(target: T, names: ReadonlyArray<keyof T>): void {
  for (const name of names) {
    const method = target[name];
    if (typeof method === 'function') (target as Record<keyof T, unknown>)[name] = method.bind(target);
  }
}
