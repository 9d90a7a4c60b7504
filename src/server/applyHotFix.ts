import type { HotFix } from '../core/parameters';

/** Text after `hot_fix.replace`, with where each of its characters came from. */
export interface ReplacedText {
  /** The text to speak. */
  text: string;
  /** `origin[i]` is the index in the original text of spoken character `i`; `origin[text.length]` is the original length. */
  origin: number[];
}

/**
 * Applies `hot_fix.replace` rules (`[{ '今天': '金天' }]`), longest match first, and keeps a map back to
 * the original text so word indexes can be reported against what the client sent.
 *
 * @example
 * applyHotFix('今天好', { replace: [{ 今天: '金天' }] }).text // '金天好'
 */
export function applyHotFix(text: string, hotFix: HotFix | undefined): ReplacedText {
  const rules: Array<[string, string]> = [];
  for (const rule of hotFix?.replace ?? []) {
    if (typeof rule !== 'object' || rule === null) continue;
    for (const [from, to] of Object.entries(rule)) if (from !== '' && typeof to === 'string') rules.push([from, to]);
  }
  rules.sort((a, b) => b[0].length - a[0].length);
  let out = '';
  const origin: number[] = [];
  let i = 0;
  while (i < text.length) {
    const rule = rules.find(([from]) => text.startsWith(from, i));
    if (rule) {
      for (let k = 0; k < rule[1].length; k++) origin.push(i + Math.floor((k * rule[0].length) / Math.max(1, rule[1].length)));
      out += rule[1];
      i += rule[0].length;
    } else {
      origin.push(i);
      out += text[i];
      i++;
    }
  }
  origin.push(text.length);
  return { text: out, origin };
}
