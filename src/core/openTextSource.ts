/** The part of a `ReadableStream` that `pipe` reads (WHATWG streams in browsers and Node). */
export interface ReadableStreamLike<T> {
  getReader(): { read(): Promise<{ done: boolean; value?: T }>; releaseLock(): void; cancel?(reason?: unknown): Promise<void> };
}

/** A text source opened for reading, one fragment at a time. */
export interface TextSourceReader {
  next(): Promise<{ done: true } | { done: false; value: string }>;
  /** Releases the source (returns the iterator, cancels the stream), also while a read is pending. */
  close(): void;
}

/**
 * Opens an `AsyncIterable<string>` or a `ReadableStream<string>` for reading fragment by fragment, with a
 * `close()` that releases it even while a read is pending (returns the iterator, cancels the stream).
 *
 * @example
 * const reader = openTextSource(response.body.pipeThrough(new TextDecoderStream()));
 * for (let next = await reader.next(); !next.done; next = await reader.next()) write(next.value);
 * reader.close();
 */
export function openTextSource(source: AsyncIterable<string> | ReadableStreamLike<string>): TextSourceReader {
  const ignore = (): undefined => undefined;
  // Streams are read through a reader even where they are iterable: only `reader.cancel()` ends a pending read.
  if (typeof (source as ReadableStreamLike<string>).getReader !== 'function') {
    const iterator = (source as AsyncIterable<string>)[Symbol.asyncIterator]();
    let done = false;
    return {
      next: async () => {
        const result = await iterator.next();
        if (result.done) done = true;
        return result.done ? { done: true } : { done: false, value: result.value };
      },
      close: () => {
        if (done) return;
        done = true;
        // Not awaited: an async generator answers `return` only after its pending `next`.
        Promise.resolve()
          .then(() => iterator.return?.())
          .catch(ignore);
      },
    };
  }
  const reader = (source as ReadableStreamLike<string>).getReader();
  let done = false;
  return {
    next: async () => {
      for (;;) {
        const result = await reader.read();
        if (result.done) {
          done = true;
          return { done: true };
        }
        if (result.value !== undefined) return { done: false, value: result.value };
      }
    },
    close: () => {
      const cancelled = done ? undefined : Promise.resolve().then(() => reader.cancel?.());
      done = true;
      Promise.resolve(cancelled)
        .catch(ignore)
        .then(() => reader.releaseLock())
        .catch(ignore);
    },
  };
}
