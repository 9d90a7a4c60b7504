import type { HotFix } from '../core/parameters';

/** Text after `hot_fix.replace`, with where each of its characters came from. */
export interface ReplacedText {
  /** The text to speak. */
  text: string;
  /** `origin[i]` is the index in the original text of spoken character `i`; `origin[text.length]` is the original length. */
  origin: number[];
}

/**
 * For each index of `text`, the length of the longest key that starts there (0 when none), in time linear
 * in the text plus the keys, however many keys share a prefix: an Aho–Corasick automaton over the
 * reversed keys, run over the reversed text, where the longest key ending at a position is precomputed
 * per state.
 */
function longestKeyAt(text: string, keys: readonly string[]): Int32Array {
  const next: Array<Map<string, number>> = [new Map()];
  const depth = [0];
  const terminal = [false];
  for (const key of keys) {
    let state = 0;
    for (let k = key.length - 1; k >= 0; k--) {
      const char = key[k]!;
      let child = next[state]!.get(char);
      if (child === undefined) {
        child = next.length;
        next.push(new Map());
        depth.push(depth[state]! + 1);
        terminal.push(false);
        next[state]!.set(char, child);
      }
      state = child;
    }
    terminal[state] = true;
  }
  const fail = new Int32Array(next.length);
  const best = new Int32Array(next.length);
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    for (const [char, child] of next[state]!) {
      let link = 0;
      if (state !== 0) {
        let f = fail[state]!;
        while (f !== 0 && !next[f]!.has(char)) f = fail[f]!;
        link = next[f]!.get(char) ?? 0;
      }
      fail[child] = link;
      best[child] = terminal[child] ? depth[child]! : best[link]!;
      queue.push(child);
    }
  }
  const longest = new Int32Array(text.length);
  let state = 0;
  for (let j = text.length - 1; j >= 0; j--) {
    const char = text[j]!;
    while (state !== 0 && !next[state]!.has(char)) state = fail[state]!;
    state = next[state]!.get(char) ?? 0;
    longest[j] = best[state]!;
  }
  return longest;
}

/**
 * Applies `hot_fix.replace` rules (`[{ '今天': '金天' }]`), longest match first, and keeps a map back to
 * the original text so word indexes can be reported against what the client sent. Linear in the text and
 * the rules; replacements stop growing the text past four times its length (plus 1 024 characters), so a
 * rule cannot turn a short text into megabytes.
 *
 * @example
 * applyHotFix('今天好', { replace: [{ 今天: '金天' }] }).text // '金天好'
 */
export function applyHotFix(text: string, hotFix: HotFix | undefined): ReplacedText {
  const replacements = new Map<string, string>();
  for (const rule of hotFix?.replace ?? []) {
    if (typeof rule !== 'object' || rule === null) continue;
    for (const [from, to] of Object.entries(rule)) if (from !== '' && typeof to === 'string' && !replacements.has(from)) replacements.set(from, to);
  }
  const origin: number[] = [];
  if (replacements.size === 0) {
    for (let i = 0; i <= text.length; i++) origin.push(i);
    return { text, origin };
  }
  const longest = longestKeyAt(text, [...replacements.keys()]);
  const budget = text.length * 4 + 1024;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const length = longest[i]!;
    const to = length > 0 ? replacements.get(text.slice(i, i + length)) : undefined;
    if (to !== undefined && out.length + to.length <= budget) {
      for (let k = 0; k < to.length; k++) origin.push(i + Math.floor((k * length) / Math.max(1, to.length)));
      out += to;
      i += length;
    } else {
      origin.push(i);
      out += text[i];
      i++;
    }
  }
  origin.push(text.length);
  return { text: out, origin };
}
