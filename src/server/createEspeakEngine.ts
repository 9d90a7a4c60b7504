import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ESPEAK_WORKER_SOURCE } from './espeakWorkerSource';
import { resolveFromHere } from './loadModule';
import type { EngineRequest, EngineWord, SynthesisEngine } from './SynthesisEngine';
import { isSyllabicCharacter } from './textScript';

/** The optional peer package that provides the espeak engine. */
export const ESPEAK_PACKAGE = '@echogarden/espeak-ng-emscripten';

const VOICES: Record<string, string> = {
  zh: 'cmn', en: 'en-us', fr: 'fr', de: 'de', ja: 'ja', ko: 'ko', ru: 'ru', pt: 'pt', th: 'th', id: 'id', vi: 'vi', es: 'es', it: 'it', ms: 'ms', ar: 'ar',
};

type EventTuple = [type: string, audioMs: number, textPosition: number];

interface Pending {
  onAudio(samples: Float32Array): void;
  resolve(events: EventTuple[]): void;
  reject(error: Error): void;
}

/** Whether the espeak package can be loaded from here. */
export function isEspeakAvailable(): boolean {
  try {
    resolveFromHere(ESPEAK_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

const TRIM = /[\s\p{P}\p{S}]/u;

/**
 * Turns espeak's word events into word spans. espeak gives one event per dictionary entry ("in the",
 * 一起 get one), with an unreliable length, so a span runs from one event's `text_position` to the next
 * (trimmed of spaces and punctuation); spans holding several Latin words or several ideographs are split
 * again with the time shared by length. A word ends at the first later event past its last character.
 */
export function espeakWords(text: string, events: readonly EventTuple[], totalMs: number): EngineWord[] {
  const starts = events.filter((e) => e[0] === 'word').map((e) => ({ ms: e[1], index: Math.max(0, e[2] - 1) }));
  const words: EngineWord[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const next = starts[i + 1];
    let begin = start.index;
    let end = Math.min(text.length, next ? Math.max(next.index, begin + 1) : text.length);
    while (begin < end && TRIM.test(text[begin]!)) begin++;
    while (end > begin && TRIM.test(text[end - 1]!)) end--;
    if (end <= begin) continue;
    const beyond = events.find((e) => e[1] >= start.ms && e[2] - 1 >= end && e[0] !== 'word');
    const endMs = Math.min(beyond?.[1] ?? next?.ms ?? totalMs, next?.ms ?? totalMs, totalMs);
    // Split "in the" into "in" + "the", 一起 into 一 + 起.
    const parts: Array<[number, number]> = [];
    const re = /[^\s]+/g;
    for (const match of text.slice(begin, end).matchAll(re)) {
      let partStart = begin + match.index!;
      const partEnd = partStart + match[0].length;
      let run = partStart;
      for (let k = partStart; k < partEnd; k++) {
        if (isSyllabicCharacter(text[k]!)) {
          if (run < k) parts.push([run, k]);
          parts.push([k, k + 1]);
          run = k + 1;
        }
      }
      if (run < partEnd) parts.push([run, partEnd]);
      partStart = partEnd;
    }
    const weight = parts.reduce((sum, [a, b]) => sum + (b - a), 0) || 1;
    let cursor = start.ms;
    const span = Math.max(0, endMs - start.ms);
    for (const [a, b] of parts) {
      const length = (span * (b - a)) / weight;
      words.push({ text: text.slice(a, b), beginIndex: a, endIndex: b, beginMs: cursor, endMs: cursor + length });
      cursor += length;
    }
  }
  return words;
}

/**
 * The `espeak` engine: espeak-ng (`@echogarden/espeak-ng-emscripten`, GPL-3.0, an optional peer
 * dependency installed separately) loaded by dynamic import inside a `worker_threads` Worker, so the
 * synchronous synthesis never blocks the server's event loop. Speaks English (`en-us`), Mandarin
 * (`cmn`) and the other hinted languages espeak knows, with word timings from its word events.
 * Throws at once when the package is not installed. If the worker dies, the requests it held fail and
 * the next request starts a new worker; `close()` rejects every request in flight or queued.
 *
 * @example
 * const server = createLocalVoiceServer({ engine: createEspeakEngine() });
 */
export function createEspeakEngine(): SynthesisEngine & { readonly ready: Promise<void>; close(): Promise<void> } {
  let moduleUrl: string;
  try {
    moduleUrl = pathToFileURL(resolveFromHere(ESPEAK_PACKAGE)).href;
  } catch {
    throw new Error(
      `The espeak engine needs the optional package ${ESPEAK_PACKAGE} (GPL-3.0): npm install ${ESPEAK_PACKAGE}. Or use engine: 'tone'.`,
    );
  }
  let worker: Worker | undefined;
  // Why the current worker cannot speak (it could not load espeak, or it died); cleared for a new worker.
  let fatal: Error | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  // One `ready` per worker: a crashed worker's rejected promise must not fail the next worker's requests.
  let ready!: Promise<void>;
  let readySettled = false;
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const freshReady = (): void => {
    readySettled = false;
    ready = new Promise<void>((resolve, reject) => {
      resolveReady = () => {
        readySettled = true;
        resolve();
      };
      rejectReady = (error) => {
        readySettled = true;
        reject(error);
      };
    });
    ready.catch(() => undefined);
  };
  freshReady();
  // Bumped by close(): requests made before it are refused rather than starting a new worker.
  let generation = 0;
  // Requests run one at a time in the worker; this chain keeps their audio apart.
  let queue: Promise<unknown> = Promise.resolve();

  const rejectPending = (error: Error): void => {
    const requests = [...pending.values()];
    pending.clear();
    for (const request of requests) request.reject(error);
  };

  const start = (): Worker => {
    if (worker) return worker;
    fatal = undefined;
    if (readySettled) freshReady();
    const created = new Worker(ESPEAK_WORKER_SOURCE, { eval: true, workerData: { moduleUrl } });
    created.unref();
    created.on('message', (message: { id?: number; type: string; samples?: Int16Array; events?: EventTuple[]; message?: string }) => {
      if (worker !== created) return; // a closed or replaced worker
      if (message.type === 'ready') return resolveReady();
      if (message.type === 'fatal') {
        fatal = new Error(`espeak could not start: ${message.message}`);
        return rejectReady(fatal);
      }
      const request = message.id === undefined ? undefined : pending.get(message.id);
      if (!request) return;
      if (message.type === 'audio' && message.samples) {
        const floats = new Float32Array(message.samples.length);
        for (let i = 0; i < floats.length; i++) floats[i] = message.samples[i]! / 32768;
        request.onAudio(floats);
      } else if (message.type === 'done') {
        pending.delete(message.id!);
        request.resolve(message.events ?? []);
      } else if (message.type === 'error') {
        pending.delete(message.id!);
        request.reject(new Error(message.message));
      }
    });
    const failAll = (error: Error): void => {
      if (worker !== created) return; // already replaced or closed: its late events change nothing
      worker = undefined;
      fatal = error;
      rejectReady(error);
      rejectPending(error);
    };
    created.on('error', failAll);
    created.on('exit', (code) => failAll(new Error(`espeak worker exited (code ${code})`)));
    worker = created;
    return created;
  };

  const closedError = (): Error => new Error('espeak engine closed');

  const engine: SynthesisEngine & { readonly ready: Promise<void>; warmUp(): Promise<void>; close(): Promise<void> } = {
    name: 'espeak',
    sampleRate: 22050,
    /** Resolves when the current worker has loaded espeak (a new promise after a crash or `close()`). */
    get ready() {
      return ready;
    },
    async warmUp() {
      start();
      await ready;
    },
    synthesize(request: EngineRequest, onAudio: (samples: Float32Array) => void, signal: AbortSignal): Promise<EngineWord[]> {
      const submitted = generation;
      const run = async (): Promise<EngineWord[]> => {
        if (generation !== submitted) throw closedError();
        if (signal.aborted) return [];
        const thread = start();
        await ready;
        if (generation !== submitted) throw closedError();
        if (fatal) throw fatal;
        // The worker died (or was replaced) while this request waited for it.
        if (worker !== thread) throw new Error('espeak worker exited');
        const id = nextId++;
        let samples = 0;
        const events = await new Promise<EventTuple[]>((resolve, reject) => {
          pending.set(id, {
            onAudio: (chunk) => {
              samples += chunk.length;
              if (!signal.aborted) onAudio(chunk);
            },
            resolve,
            reject,
          });
          thread.postMessage({
            id,
            text: request.text,
            voice: VOICES[request.language] ?? VOICES[request.language.slice(0, 2)] ?? 'en-us',
            rate: Math.round(Math.min(450, Math.max(80, 175 * (request.speechRate || 1)))),
            pitch: Math.round(Math.min(99, Math.max(0, 50 * (request.pitchRate || 1)))),
          });
        });
        return espeakWords(request.text, events, (samples / 22050) * 1000);
      };
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      generation++;
      const current = worker;
      worker = undefined;
      fatal = undefined;
      // Every request in flight or queued settles: in flight and waiting for the worker now, queued ones as they come up.
      const error = closedError();
      if (!readySettled) rejectReady(error);
      rejectPending(error);
      if (current) await current.terminate();
    },
  };
  return engine;
}
