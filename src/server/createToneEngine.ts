import type { EngineRequest, EngineWord, SynthesisEngine } from './SynthesisEngine';
import { isSyllabicCharacter } from './textScript';

interface Token {
  kind: 'word' | 'pause';
  text: string;
  begin: number;
  end: number;
  ms: number;
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}'’_-]/u;
const LONG_PAUSE = /[.!?。！？；;…\n]/;
const SHORT_PAUSE = /[,，、:：]/;

function syllables(word: string): number {
  const groups = word.toLowerCase().match(/[aeiouyàáâäèéêëìíîïòóôöùúûü]+/g);
  return Math.max(1, groups?.length ?? Math.ceil(word.length / 3));
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.codePointAt(i)!;
    const char = String.fromCodePoint(code);
    if (isSyllabicCharacter(char)) {
      tokens.push({ kind: 'word', text: char, begin: i, end: i + char.length, ms: 220 });
      i += char.length;
    } else if (WORD_CHAR.test(char)) {
      let end = i + char.length;
      while (end < text.length) {
        const next = String.fromCodePoint(text.codePointAt(end)!);
        if (!WORD_CHAR.test(next) || isSyllabicCharacter(next)) break;
        end += next.length;
      }
      const word = text.slice(i, end);
      tokens.push({ kind: 'word', text: word, begin: i, end, ms: 90 + 110 * syllables(word) });
      i = end;
    } else {
      if (LONG_PAUSE.test(char)) tokens.push({ kind: 'pause', text: char, begin: i, end: i + 1, ms: 220 });
      else if (SHORT_PAUSE.test(char)) tokens.push({ kind: 'pause', text: char, begin: i, end: i + 1, ms: 120 });
      i += char.length;
    }
  }
  return tokens;
}

// FNV-1a: a stable pitch per word and seed, so the same request always gives the same bytes.
function hash(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const GAP_MS = 40;
const AMPLITUDE = 0.5;

/**
 * The built-in `tone` engine: deterministic, dependency-free "speech" — one short tone per word (per
 * ideograph for CJK, per word for Latin script) at a pitch derived from the word and `seed`, with exact
 * word timings. Honours `rate` (durations), `pitch` (frequency) and `seed`. For tests, CI and installs
 * without espeak.
 *
 * @example
 * const server = createLocalVoiceServer({ engine: createToneEngine() });
 */
export function createToneEngine(): SynthesisEngine {
  return {
    name: 'tone',
    async synthesize(request: EngineRequest, onAudio: (samples: Float32Array) => void, signal: AbortSignal): Promise<EngineWord[]> {
      const rate = request.sampleRate;
      const speed = Math.min(2, Math.max(0.5, request.speechRate || 1));
      const pitch = Math.min(2, Math.max(0.5, request.pitchRate || 1));
      const base = request.language === 'zh' ? 200 : 150;
      const words: EngineWord[] = [];
      let position = 0; // samples emitted so far
      let sinceYield = 0;
      for (const token of tokenize(request.text)) {
        if (signal.aborted) break;
        if (token.kind === 'pause') {
          const pause = new Float32Array(Math.round(((token.ms / speed) * rate) / 1000));
          onAudio(pause);
          position += pause.length;
          continue;
        }
        const toneSamples = Math.round(((token.ms / speed) * rate) / 1000);
        const gapSamples = Math.round(((GAP_MS / speed) * rate) / 1000);
        const semitone = hash(token.text, request.seed) % 12;
        const frequency = base * 2 ** (semitone / 12) * pitch;
        const out = new Float32Array(toneSamples + gapSamples);
        const attack = Math.max(1, Math.round(rate * 0.01));
        const release = Math.max(1, Math.round(rate * 0.02));
        for (let n = 0; n < toneSamples; n++) {
          const t = n / rate;
          const envelope = Math.min(1, n / attack, (toneSamples - n) / release);
          out[n] = AMPLITUDE * envelope * (0.8 * Math.sin(2 * Math.PI * frequency * t) + 0.2 * Math.sin(4 * Math.PI * frequency * t));
        }
        words.push({
          text: token.text,
          beginIndex: token.begin,
          endIndex: token.end,
          beginMs: (position / rate) * 1000,
          endMs: ((position + toneSamples) / rate) * 1000,
        });
        onAudio(out);
        position += out.length;
        sinceYield += out.length;
        if (sinceYield > rate / 2) {
          sinceYield = 0;
          // Let other connections' frames out between chunks.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      return words;
    },
  };
}
