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
  webCodecs(sink: DecoderSink): CodecBackend;
  wasm(sink: DecoderSink): Promise<CodecBackend>;
}

/**
 * A streamed compressed format: WebCodecs `AudioDecoder` where it supports the codec, else a WASM
 * package loaded by dynamic import. Bytes that arrive while the backend is still loading are queued in
 * order; a failure is reported once through the sink. The shared part of the Opus and MP3 decoders.
 *
 * @example
 * class FlacStreamDecoder extends CodecStreamDecoder {
 *   constructor(sink: DecoderSink) { super(sink, { label: 'FLAC', probe, webCodecs, wasm }); }
 * }
 */
export class CodecStreamDecoder implements StreamDecoder {
  #kind: 'webcodecs' | 'wasm';
  #sink: DecoderSink;
  #label: string;
  #backend: CodecBackend | undefined;
  #ready: Promise<CodecBackend | undefined>;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(sink: DecoderSink, spec: CodecSpec, options: CodecDecoderOptions = {}) {
    this.#sink = sink;
    this.#label = spec.label;
    const webCodecs = !options.forceWasm && typeof AudioDecoder !== 'undefined';
    this.#kind = webCodecs ? 'webcodecs' : 'wasm';
    this.#ready = this.#open(webCodecs, spec).then(
      (backend) => {
        if (this.#closed) backend.close();
        else this.#backend = backend;
        return this.#closed ? undefined : backend;
      },
      (cause: unknown) => {
        this.#fail(cause);
        return undefined;
      },
    );
  }

  /** Which backend decodes: WebCodecs or the WASM fallback. */
  get kind(): 'webcodecs' | 'wasm' {
    return this.#kind;
  }

  async #open(webCodecs: boolean, spec: CodecSpec): Promise<CodecBackend> {
    if (webCodecs) {
      const support = await AudioDecoder.isConfigSupported(spec.probe).catch(() => undefined);
      if (support?.supported) return spec.webCodecs(this.#sink);
      this.#kind = 'wasm';
    }
    return spec.wasm(this.#sink);
  }

  #fail(cause: unknown): void {
    if (this.#closed) return;
    this.#sink.error(new SynthesisError('AudioFailed', `${this.#label} decoding failed: ${String(cause)}`, { cause }));
  }

  push(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.#backend) {
      try {
        this.#backend.push(bytes);
      } catch (cause) {
        this.#fail(cause);
      }
      return;
    }
    const copy = bytes.slice();
    this.#chain = this.#chain.then(async () => (await this.#ready)?.push(copy)).catch((cause: unknown) => this.#fail(cause));
  }

  flush(): Promise<void> {
    this.#chain = this.#chain.then(async () => (await this.#ready)?.flush()).catch((cause: unknown) => this.#fail(cause));
    return this.#chain;
  }

  close(): void {
    this.#closed = true;
    this.#backend?.close();
  }
}
