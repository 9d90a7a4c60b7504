/**
 * Whether the JSON text nests objects and arrays at most `max` levels deep, by one scan of the
 * characters (brackets inside strings do not count). Checked before `JSON.parse`, which is linear but
 * slow on deep nesting (about 3 µs a level: a 256 KiB frame of `[` would hold the event loop for half a
 * second), while no protocol message nests more than a handful of levels.
 *
 * @example
 * jsonNestsWithin('{"a":[1,{"b":2}]}', 3) // true
 * jsonNestsWithin('[[[[1]]]]', 3) // false
 */
export function jsonNestsWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > max) return false;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return true;
}
