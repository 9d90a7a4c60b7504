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

/** Whether text is SSML (the service's rule: it must start with `<speak`). */
export function isSsml(text: string): boolean {
  return /^\s*<speak[\s>/]/i.test(text);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Removes SSML tags and decodes the five XML entities, leaving the text that is spoken. */
export function stripSsml(ssml: string): string {
  return ssml
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name] ?? '');
}

/**
 * Counts characters the way CosyVoice bills and limits them: each CJK ideograph counts 2, every other
 * character (letters, digits, spaces, punctuation, kana, hangul) counts 1, and SSML tags are not counted
 * when the text is SSML.
 *
 * @example
 * countCharacters('你好') // 4
 * countCharacters('中A文123') // 8
 * countCharacters('<speak>你好</speak>') // 4
 */
export function countCharacters(text: string): number {
  const spoken = isSsml(text) ? stripSsml(text) : text;
  let count = 0;
  for (const char of spoken) {
    count += isCjkIdeograph(char.codePointAt(0)!) ? 2 : 1;
  }
  return count;
}
