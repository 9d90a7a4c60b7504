import type { QueryClient } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import type { Player, SynthesisParameters, Transport } from '../core/index';

// Apart from SpeechProvider, so what reads the context (every hook and component) does not import the
// provider's transports and player: a component's first chunk stays small (see scripts/bundle-size.mjs).

/** What every hook under a {@link SpeechProvider} reads. */
export interface SpeechContextValue {
  transport: Transport;
  /** Request parameters used unless a hook or a call overrides them. */
  defaults: Partial<SynthesisParameters>;
  queryClient: QueryClient;
  /** Makes one player per hook instance, on first use. */
  createPlayer: () => Player;
  /** Streaming: finish a task after this many ms without text (the service's limit is 23 s). */
  idleFinishMs: number | undefined;
  /** How long connecting and waiting for `task-started` may take before the hooks report a timeout. */
  connectTimeoutMillis: number | undefined;
  startTimeoutMillis: number | undefined;
  /** The playback rate hooks start at unless their options give one (not a request parameter). */
  playbackRate: number | undefined;
}

/** The context {@link SpeechProvider} fills. */
export const SpeechContext = /* @__PURE__ */ createContext<SpeechContextValue | null>(null);
SpeechContext.displayName = 'SpeechContext';

/**
 * The nearest {@link SpeechProvider}'s value. Throws when there is none, naming the hook that asked.
 */
export function useSpeechContext(consumer = 'useSpeechContext'): SpeechContextValue {
  const value = useContext(SpeechContext);
  if (!value) throw new Error(`\`${consumer}\` must be used within \`SpeechProvider\``);
  return value;
}

/** The nearest {@link SpeechProvider}'s value, or `null` outside one. */
export function useOptionalSpeechContext(): SpeechContextValue | null {
  return useContext(SpeechContext);
}
