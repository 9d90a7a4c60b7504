const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const STRENGTH_MS: Record<string, number> = { none: 0, 'x-weak': 100, weak: 200, medium: 400, strong: 700, 'x-strong': 1000 };

/** SSML reduced to what the local engines can do: the spoken text and the pauses in it. */
export interface ParsedSsml {
  /** The text to speak: tags removed, entities decoded, `<sub alias>` replaced by its alias. */
  text: string;
  /** Pauses from `<break>`: before character `index` of `text`, lasting `ms`. */
  breaks: Array<{ index: number; ms: number }>;
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = /^\s*([\d.]+)\s*(ms|s)?\s*$/i.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  return Math.min(10_000, Math.round(match[2]?.toLowerCase() === 's' ? amount * 1000 : amount));
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag)?.slice(2).find((v) => v !== undefined);
}

/**
 * Parses CosyVoice SSML for the local engines: `<speak>` (one or several), `<break time|strength>` as
 * pauses, `<sub alias>` spoken as its alias; every other tag (`<prosody>`, `<phoneme>`, `<say-as>`, …)
 * degrades to its text.
 *
 * @example
 * parseSsml('<speak>Hello<break time="500ms"/>world</speak>') // { text: 'Helloworld', breaks: [{ index: 5, ms: 500 }] }
 */
export function parseSsml(ssml: string): ParsedSsml {
  let text = '';
  const breaks: ParsedSsml['breaks'] = [];
  let skipUntil: string | undefined;
  const pattern = /<!--[\s\S]*?-->|<[^>]*>|[^<]+/g;
  for (const match of ssml.matchAll(pattern)) {
    const token = match[0];
    if (token.startsWith('<!--')) continue;
    if (token.startsWith('<')) {
      const name = /^<\/?\s*([\w-]+)/.exec(token)?.[1]?.toLowerCase();
      if (skipUntil) {
        if (token.startsWith('</') && name === skipUntil) skipUntil = undefined;
        continue;
      }
      if (name === 'break') {
        const ms = parseTime(attribute(token, 'time')) ?? STRENGTH_MS[attribute(token, 'strength') ?? 'medium'] ?? 400;
        if (ms > 0) breaks.push({ index: text.length, ms });
      } else if (name === 'sub' && !token.startsWith('</')) {
        const alias = attribute(token, 'alias');
        if (alias !== undefined && !token.endsWith('/>')) {
          text += alias;
          skipUntil = 'sub';
        }
      }
      continue;
    }
    if (skipUntil) continue;
    text += token.replace(/&(amp|lt|gt|quot|apos);/g, (_, entity: string) => ENTITIES[entity] ?? '');
  }
  return { text, breaks };
}
