/** Options of {@link fakeLlmStream}. */
export interface FakeLlmOptions {
  /** Delay between tokens, ms. */
  tokenDelayMs?: number;
  /** Insert one long silence before this token index (to show the 23 s continuation). */
  pauseBeforeToken?: number;
  pauseMs?: number;
  /** Stops producing when aborted. */
  signal?: AbortSignal;
}

/** A simulated LLM answer: the text split into word-sized tokens, yielded with delays. */
export async function* fakeLlmStream(text: string, options: FakeLlmOptions = {}): AsyncGenerator<string> {
  const tokens = text.match(/\S+\s*|\s+/g) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const delay = i === options.pauseBeforeToken ? options.pauseMs ?? 0 : options.tokenDelayMs ?? 40;
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (options.signal?.aborted) return;
    yield tokens[i]!;
  }
}
