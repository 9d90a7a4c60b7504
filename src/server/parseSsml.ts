import { decodeXmlEntities } from '../core/countCharacters';

const STRENGTH_MS: Readonly<Record<string, number>> = { none: 0, 'x-weak': 100, weak: 200, medium: 400, strong: 700, 'x-strong': 1000 };
const LONGEST_PAUSE_MS = 10_000;

/** SSML reduced to what the local engines can do: the spoken text and the pauses in it. */
export interface ParsedSsml {
  /** The text to speak: tags removed, entities decoded, `<sub alias>` replaced by its alias. */
  text: string;
  /** Pauses from `<break>`: before character `index` of `text`, lasting `ms`. */
  breaks: Array<{ index: number; ms: number }>;
}

const isSpace = (code: number): boolean => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
const isNameChar = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x2d || code === 0x3a;

/** A `time` value (`500ms`, `1.5s`, `300`) in ms, at most 10 s; `undefined` when it is not one. */
function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  let end = 0;
  while (end < text.length && ((text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) || text[end] === '.')) end++;
  if (end === 0) return undefined;
  const unit = text.slice(end).trim();
  if (unit !== '' && unit !== 'ms' && unit !== 's') return undefined;
  const amount = Number(text.slice(0, end));
  if (!Number.isFinite(amount)) return undefined;
  return Math.min(LONGEST_PAUSE_MS, Math.round(unit === 's' ? amount * 1000 : amount));
}

/** A tag's name (lower case) and attributes (the first of each name), read in one pass over the tag. */
function readTag(tag: string): { name: string; closing: boolean; selfClosing: boolean; attributes: Map<string, string> } {
  let i = 1;
  const closing = tag[i] === '/';
  if (closing) i++;
  while (i < tag.length && isSpace(tag.charCodeAt(i))) i++;
  const nameStart = i;
  while (i < tag.length && isNameChar(tag.charCodeAt(i))) i++;
  const name = tag.slice(nameStart, i).toLowerCase();
  const attributes = new Map<string, string>();
  const end = tag.length - 1; // the closing '>'
  while (i < end) {
    const code = tag.charCodeAt(i);
    if (!isNameChar(code)) {
      i++;
      continue;
    }
    const start = i;
    while (i < end && isNameChar(tag.charCodeAt(i))) i++;
    const attribute = tag.slice(start, i).toLowerCase();
    let j = i;
    while (j < end && isSpace(tag.charCodeAt(j))) j++;
    if (tag[j] !== '=') continue;
    j++;
    while (j < end && isSpace(tag.charCodeAt(j))) j++;
    const quote = tag[j];
    if (quote !== '"' && quote !== "'") {
      i = j;
      continue;
    }
    const close = tag.indexOf(quote, j + 1);
    const valueEnd = close === -1 || close > end ? end : close;
    if (!attributes.has(attribute)) attributes.set(attribute, tag.slice(j + 1, valueEnd));
    i = valueEnd + 1;
  }
  return { name, closing, selfClosing: tag.endsWith('/>'), attributes };
}

/**
 * Parses CosyVoice SSML for the local engines: `<speak>` (one or several), `<break time|strength>` as
 * pauses, `<sub alias>` spoken as its alias; every other tag (`<prosody>`, `<phoneme>`, `<say-as>`, …)
 * degrades to its text. One pass, linear in the input whatever it holds (unclosed tags, runs of `<`):
 * a `<` with no `>` after it is dropped, as a stray character.
 *
 * @example
 * parseSsml('<speak>Hello<break time="500ms"/>world</speak>') // { text: 'Helloworld', breaks: [{ index: 5, ms: 500 }] }
 */
export function parseSsml(ssml: string): ParsedSsml {
  let text = '';
  const breaks: ParsedSsml['breaks'] = [];
  let skipUntil: string | undefined;
  // Where the next '>' and '-->' are, remembered so a run of unclosed '<' costs no rescans.
  let nextGt = -2;
  let nextCommentEnd = -2;
  let i = 0;
  while (i < ssml.length) {
    if (ssml[i] !== '<') {
      const lt = ssml.indexOf('<', i);
      const end = lt === -1 ? ssml.length : lt;
      if (!skipUntil) text += decodeXmlEntities(ssml.slice(i, end));
      i = end;
      continue;
    }
    if (ssml.startsWith('<!--', i)) {
      if (nextCommentEnd !== -1 && nextCommentEnd < i + 4) nextCommentEnd = ssml.indexOf('-->', i + 4);
      if (nextCommentEnd !== -1) {
        i = nextCommentEnd + 3;
        continue;
      }
    }
    if (nextGt !== -1 && nextGt <= i) nextGt = ssml.indexOf('>', i + 1);
    if (nextGt === -1) {
      i++; // a stray '<'
      continue;
    }
    const tag = readTag(ssml.slice(i, nextGt + 1));
    i = nextGt + 1;
    if (skipUntil) {
      if (tag.closing && tag.name === skipUntil) skipUntil = undefined;
      continue;
    }
    if (tag.name === 'break') {
      const strength = tag.attributes.get('strength') ?? 'medium';
      const ms = parseTime(tag.attributes.get('time')) ?? (Object.hasOwn(STRENGTH_MS, strength) ? STRENGTH_MS[strength]! : 400);
      if (ms > 0) breaks.push({ index: text.length, ms });
    } else if (tag.name === 'sub' && !tag.closing) {
      const alias = tag.attributes.get('alias');
      if (alias !== undefined && !tag.selfClosing) {
        text += alias;
        skipUntil = 'sub';
      }
    }
  }
  return { text, breaks };
}
