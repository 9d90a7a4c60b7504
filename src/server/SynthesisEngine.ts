/** What the server asks an engine to speak: one piece of one sentence, as plain text. */
export interface EngineRequest {
  /** Plain text (SSML already parsed, `hot_fix` replacements already applied). */
  text: string;
  /** Language chosen from `language_hints` or detected from the text: `'zh'`, `'en'`, `'ja'`, … */
  language: string;
  /** `rate`, 0.5–2.0 (1 = normal speed). */
  speechRate: number;
  /** `pitch`, 0.5–2.0 (1 = normal pitch). */
  pitchRate: number;
  /** `seed`, 0–65535: the same seed gives the same audio. */
  seed: number;
  /** The output sample rate of the task; engines without a fixed rate produce audio at this rate. */
  sampleRate: number;
}

/** One spoken word: indexes into `EngineRequest.text` (end exclusive), times in ms from the start of this piece's audio. */
export interface EngineWord {
  text: string;
  beginIndex: number;
  endIndex: number;
  beginMs: number;
  endMs: number;
}

/**
 * A speech engine behind the local voice server: turns text into mono float samples (−1…1) plus word
 * timings. `tone` and `espeak` are built in; pass your own object to `createLocalVoiceServer({ engine })`.
 *
 * @example
 * const silence: SynthesisEngine = {
 *   name: 'silence',
 *   async synthesize(request, onAudio) {
 *     onAudio(new Float32Array(request.sampleRate / 2));
 *     return [];
 *   },
 * };
 */
export interface SynthesisEngine {
  /** Short name for logs and the CLI banner. */
  readonly name: string;
  /** The fixed rate the engine produces (the server resamples). Omit to produce at `request.sampleRate`. */
  readonly sampleRate?: number;
  /**
   * Speaks `request.text`, handing audio to `onAudio` as it is produced (the server streams each chunk at
   * once), and resolves to the word timings. Stops early when `signal` aborts.
   */
  synthesize(request: EngineRequest, onAudio: (samples: Float32Array) => void, signal: AbortSignal): Promise<EngineWord[]>;
  /** Releases workers or other resources. */
  close?(): void | Promise<void>;
}
