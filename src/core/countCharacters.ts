/** Most characters one `continue-task` message (or one `call`) may carry, counted with {@link countCharacters}. */
export const MAX_CHARACTERS_PER_MESSAGE = 20_000;
/** Most characters one task may carry in total, counted with {@link countCharacters}. */
export const MAX_CHARACTERS_PER_TASK = 200_000;
/** Longest `instruction`, counted with {@link countCharacters}. */
export const MAX_INSTRUCTION_CHARACTERS = 100;

/**
 * Whether a code point is a CJK ideograph (Chinese hanzi, Japanese kanji, Korean hanja), which the service
 * counts as two characters. Kana, hangul and CJK punctuation are not ideographs.
 */
export function isCjkIdeograph(codePoint: number): boolean {
  return (
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) || // CJK Unified Ideographs
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) || // Extension A
    (codePoint >= 0xf900 && codePoint <= 0xfaff) || // Compatibility Ideographs
    (codePoint >= 0x20000 && codePoint <= 0x2ebef) || // Extensions B–F
    (codePoint >= 0x2ebf0 && codePoint <= 0x2ee5f) || // Extension I
    (codePoint >= 0x2f800 && codePoint <= 0x2fa1f) || // Compatibility Supplement
    (codePoint >= 0x30000 && codePoint <= 0x323af) // Extensions G–H
  );
}

const WHITESPACE = /\s/;

/** Whether text is SSML (the service's rule: it must start with `<speak`, after optional whitespace). */
export function isSsml(text: string): boolean {
  // A scan instead of /^\s*<speak…/: obviously linear on any input.
  let i = 0;
  while (i < text.length && WHITESPACE.test(text[i]!)) i++;
  if (text.slice(i, i + 6).toLowerCase() !== '<speak') return false;
  const next = text[i + 6];
  return next !== undefined && (next === '>' || next === '/' || WHITESPACE.test(next));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * `text` with every `open … close` span removed, where a span runs from `open` to the first `close` after
 * it (what `/open[\s\S]*?close/g` removes, or `/<[^>]*>/g` for `<` / `>`), in one pass: the position
 * of the next `close` is remembered, so a run of unclosed `open`s costs no rescans.
 */
function removeSpans(text: string, open: string, close: string): string {
  let out = '';
  let copied = 0;
  let closeAt = -2; // -2: not searched yet; -1: none left
  let at = text.indexOf(open);
  while (at !== -1) {
    if (closeAt !== -1 && closeAt < at + open.length) closeAt = text.indexOf(close, at + open.length);
    if (closeAt === -1) break;
    out += text.slice(copied, at);
    copied = closeAt + close.length;
    at = text.indexOf(open, copied);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Decodes the five XML entities (`&amp;` `&lt;` `&gt;` `&quot;` `&apos;`); anything else stays as written. */
export function decodeXmlEntities(text: string): string {
  return text.includes('&') ? text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name] ?? '') : text;
}

/** Removes SSML comments and tags and decodes the five XML entities, leaving the text that is spoken. */
export function stripSsml(ssml: string): string {
  return decodeXmlEntities(removeSpans(removeSpans(ssml, '<!--', '-->'), '<', '>'));
}

/** Options of {@link countCharacters}. */
export interface CountCharactersOptions {
  /**
   * Whether `text` is SSML, whose tags are not counted. A server passes what the task declared
   * (`enable_ssml` and the text starting with `<speak`); tags of a task without SSML are text and count.
   * @default isSsml(text)
   */
  ssml?: boolean;
}

/**
 * Counts characters the way CosyVoice bills and limits them: each CJK ideograph counts 2, every other
 * character (letters, digits, spaces, punctuation, kana, hangul) counts 1, and SSML tags are not counted
 * when the text is SSML. Linear in the length of `text`, whatever it contains.
 *
 * @example
 * countCharacters('你好') // 4
 * countCharacters('中A文123') // 8
 * countCharacters('<speak>你好</speak>') // 4
 * countCharacters('<speak>你好</speak>', { ssml: false }) // 19: a task without SSML counts the tags
 */
export function countCharacters(text: string, options: CountCharactersOptions = {}): number {
  const spoken = (options.ssml ?? isSsml(text)) ? stripSsml(text) : text;
  let count = 0;
  for (let i = 0; i < spoken.length; i++) {
    const code = spoken.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < spoken.length) {
      const low = spoken.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        count += isCjkIdeograph(((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000) ? 2 : 1;
        i++;
        continue;
      }
    }
    count += isCjkIdeograph(code) ? 2 : 1;
  }
  return count;
}
