/**
 * Whether `value` is an object with string keys (not `null`, not an array): the shape of parsed JSON
 * objects, checked before their fields are read.
 *
 * @example
 * if (isRecord(json) && isRecord(json.header)) read(json.header.event);
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
