import { isCjkIdeograph } from '../core/countCharacters';

/** Whether a character is one the service and the engines treat as a word of its own (hanzi, kana, hangul). */
export function isSyllabicCharacter(char: string): boolean {
  const code = char.codePointAt(0)!;
  return isCjkIdeograph(code) || (code >= 0x3040 && code <= 0x30ff) || (code >= 0xac00 && code <= 0xd7af);
}

/**
 * The language to speak a text in: the first `language_hints` value when given, otherwise detected
 * from the script (hanzi → `zh`, kana → `ja`, hangul → `ko`, anything else → `en`).
 *
 * @example
 * detectLanguage('今天天气很好') // 'zh'
 */
export function detectLanguage(text: string, hints?: readonly string[]): string {
  const hint = hints?.[0];
  if (typeof hint === 'string' && hint !== '') return hint;
  if (/[\u3040-\u30ff]/.test(text)) return 'ja';
  if (/[\uac00-\ud7af]/.test(text)) return 'ko';
  for (const char of text) if (isCjkIdeograph(char.codePointAt(0)!)) return 'zh';
  return 'en';
}
