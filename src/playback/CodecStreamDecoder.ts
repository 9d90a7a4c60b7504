import { SynthesisError } from 'cosyvoice-react/core';
import type { DecoderSink, StreamDecoder } from './StreamDecoder';

/** What a codec's decoding backend (WebCodecs or a WASM package) offers the stream decoder. */
export interface CodecBackend {
  push(bytes: Uint8Array): void;
  flush(): Promise<void>;
  close(): void;
}

/** Options of {@link OpusStreamDecoder} and {@link Mp3StreamDecoder}. */
export interface CodecDecoderOptions {
  /** Skip WebCodecs and use the WASM package (for tests, or browsers with a broken decoder). @default false */
  forceWasm?: boolean;
}

/** How one codec is decoded: its name for messages, the WebCodecs probe, and the two backends. */
export interface CodecSpec {
  label: string;
  probe: AudioDecoderConfig;
  /**
   * True where this codec's WebCodecs decoder is known to crash the page (a crash cannot be caught, so
   * it is never tried there). @default () => false
   */
  webCodecsCrashes?: () => boolean;
  webCodecs(sink: DecoderSink): CodecBackend;
  /** The WASM backend (how the package is loaded is its own business). */
  wasm(sink: DecoderSink): Promise<CodecBackend>;
}

// Codecs whose WebCodecs decoder failed on real data in this page: later streams go straight to WASM
// (WebKitGTK's MP3 decoder says it supports MP3, then fails every decode).
const failedWebCodecs = new Set<string>();

/**
 * A streamed compressed format: WebCodecs `AudioDecoder` where it supports the codec, else a WASM
 * package loaded by dynamic import. Bytes that arrive while the backend is still loading are queued in
 * order. When WebCodecs fails on the data (it may claim support and then fail every decode), the WASM
 * backend takes over for the rest of the stream without losing audio: the bytes WebCodecs was given are
 * decoded again and the samples it already delivered are skipped. Later streams of that codec use WASM
 * from the start. A failure of the WASM backend is reported once through the sink. The shared part of
 * the Opus and MP3 decoders.
 *
 * @example
 * class FlacStreamDecoder extends CodecStreamDecoder {
 *   constructor(sink: DecoderSink) { super(sink, { label: 'FLAC', probe, webCodecs, wasm }); }
 * }
 */
export class CodecStreamDecoder implements StreamDecoder {
  #kind: 'webcodecs' | 'wasm';
  #sink: DecoderSink;
  #spec: CodecSpec;
  #backend: CodecBackend | undefined;
  #ready: Promise<CodecBackend | undefined>;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #failed = false;
  // Everything WebCodecs was given, kept (encoded, smaller than the decoded audio the player keeps) until
  // it is known not to be needed, for the WASM backend to decode again if WebCodecs fails.
  #given: Uint8Array[] = [];
  // Frames delivered to the sink, at `#deliveredRate`; after a fallback, as many are skipped from WASM.
  #delivered = 0;
  #deliveredRate = 0;
  #skip = 0;

  constructor(sink: DecoderSink, spec: CodecSpec, options: CodecDecoderOptions = {}) {
    this.#sink = sink;
    this.#spec = spec;
    const webCodecs = !options.forceWasm && typeof AudioDecoder !== 'undefined' && !failedWebCodecs.has(spec.label) && !spec.webCodecsCrashes?.();
    this.#kind = webCodecs ? 'webcodecs' : 'wasm';
    this.#ready = this.#adopt(this.#open(webCodecs));
  }

  /** Which backend decodes: WebCodecs or the WASM fallback. */
  get kind(): 'webcodecs' | 'wasm' {
    return this.#kind;
  }

  async #open(webCodecs: boolean): Promise<CodecBackend> {
    if (webCodecs) {
      const support = await AudioDecoder.isConfigSupported(this.#spec.probe).catch(() => undefined);
      if (support?.supported) {
        try {
          return this.#spec.webCodecs(this.#sinkFor('webcodecs'));
        } catch {
          failedWebCodecs.add(this.#spec.label);
        }
      }
      this.#kind = 'wasm';
      this.#given = [];
    }
    return this.#spec.wasm(this.#sinkFor('wasm'));
  }

  /** Makes a backend being opened the current one once it is ready (or closes it if the stream was). */
  #adopt(opening: Promise<CodecBackend>, replay: Uint8Array[] = []): Promise<CodecBackend | undefined> {
    return opening.then(
      (backend) => {
        if (this.#closed) {
          backend.close();
          return undefined;
        }
        this.#backend = backend;
        for (const bytes of replay) this.#feed(backend, bytes);
        return backend;
      },
      (cause: unknown) => {
        this.#report(cause);
        return undefined;
      },
    );
  }

  /** The sink a backend writes to: samples and failures of a backend no longer current are dropped. */
  #sinkFor(kind: 'webcodecs' | 'wasm'): DecoderSink {
    return {
      samples: (samples, rate) => {
        if (!this.#closed && this.#kind === kind) this.#deliver(samples, rate);
      },
      error: (error) => this.#backendFailed(kind, error),
    };
  }

  #deliver(samples: Float32Array, rate: number): void {
    if (this.#skip > 0) {
      // Frames already delivered by WebCodecs, counted at its output rate.
      const skip = this.#deliveredRate > 0 && rate !== this.#deliveredRate ? Math.round((this.#skip * rate) / this.#deliveredRate) : this.#skip;
      this.#deliveredRate = rate;
      if (skip >= samples.length) {
        this.#skip = skip - samples.length;
        return;
      }
      this.#skip = 0;
      samples = samples.subarray(skip);
    }
    this.#delivered += samples.length;
    this.#deliveredRate = rate;
    this.#sink.samples(samples, rate);
  }

  #feed(backend: CodecBackend, bytes: Uint8Array): void {
    const kind = this.#kind;
    if (kind === 'webcodecs') this.#given.push(bytes);
    try {
      backend.push(bytes);
    } catch (cause) {
      this.#backendFailed(kind, cause);
    }
  }

  /** WebCodecs failed: the WASM backend decodes what it was given again, then the rest. WASM failed: report. */
  #backendFailed(kind: 'webcodecs' | 'wasm', cause: unknown): void {
    if (this.#closed || this.#failed || kind !== this.#kind) return;
    if (kind === 'wasm') {
      this.#report(cause);
      return;
    }
    failedWebCodecs.add(this.#spec.label);
    this.#kind = 'wasm';
    this.#backend?.close();
    this.#backend = undefined;
    this.#skip = this.#delivered;
    this.#delivered = 0;
    const replay = this.#given;
    this.#given = [];
    this.#ready = this.#adopt(this.#spec.wasm(this.#sinkFor('wasm')), replay);
  }

  #report(cause: unknown): void {
    if (this.#closed || this.#failed) return;
    this.#failed = true;
    const error = cause instanceof SynthesisError ? cause : new SynthesisError('AudioFailed', `${this.#spec.label} decoding failed: ${String(cause)}`, { cause });
    this.#sink.error(error);
  }

  push(bytes: Uint8Array): void {
    if (this.#closed || this.#failed) return;
    if (this.#backend) {
      // Kept for a fallback: a copy, in case the caller reuses its buffer.
      this.#feed(this.#backend, this.#kind === 'webcodecs' ? bytes.slice() : bytes);
      return;
    }
    const copy = bytes.slice();
    this.#chain = this.#chain
      .then(async () => {
        let backend = await this.#ready;
        // A fallback may have replaced the backend while this waited: feed the one that replaced it.
        while (backend && backend !== this.#backend && !this.#closed) backend = await this.#ready;
        if (backend && !this.#closed) this.#feed(backend, copy);
      })
      .catch((cause: unknown) => this.#report(cause));
  }

  flush(): Promise<void> {
    this.#chain = this.#chain.then(() => this.#flushCurrent()).catch((cause: unknown) => this.#report(cause));
    return this.#chain;
  }

  // Flushes the current backend; if WebCodecs fails meanwhile, the WASM backend that replaces it.
  async #flushCurrent(): Promise<void> {
    for (;;) {
      const kind = this.#kind;
      const backend = await this.#ready;
      if (!backend || this.#closed) return;
      try {
        await backend.flush();
      } catch (cause) {
        this.#backendFailed(kind, cause);
      }
      if (this.#kind === kind || this.#failed) return;
    }
  }

  close(): void {
    this.#closed = true;
    this.#given = [];
    this.#backend?.close();
  }
}
