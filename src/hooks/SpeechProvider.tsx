import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, type ReactNode } from 'react';
import { ConnectionPool, type ConnectionPoolOptions } from '../core/ConnectionPool';
import type { Player, SynthesisParameters, Transport } from '../core/index';
import { mergeParameters } from '../core/mergeParameters';
import { DEFAULT_BROWSER_FORMAT, createAudioPlayer } from '../playback/index';
import { useIsomorphicLayoutEffect } from './internal/useIsomorphicLayoutEffect';
import { useOwnQueryClient } from './internal/useOwnQueryClient';
import { useSharedAudioContext } from './internal/useSharedAudioContext';
import { useStableValue } from './internal/useStableValue';
import { SpeechContext, type SpeechContextValue } from './SpeechContext';

export { useOptionalSpeechContext, useSpeechContext, type SpeechContextValue } from './SpeechContext';

/** Props of {@link SpeechProvider}. */
export interface SpeechProviderProps extends Partial<SynthesisParameters> {
  /** Output format. @default DEFAULT_BROWSER_FORMAT (PCM 24 kHz: the fastest start, an exact clock) */
  format?: SynthesisParameters['format'];
  /** How to reach the service: `proxyTransport`, `directTransport` with `getToken`, or `memoryTransport`. */
  transport: Transport;
  /** The react-query client for voices and tokens. @default a client created for this provider */
  queryClient?: QueryClient;
  /** Player factory, one player per hook on first use; tests and SSR pass `() => createSilentPlayer()`. @default Web Audio, one shared `AudioContext` */
  createPlayer?: () => Player;
  /** Streaming: finish a task after this many ms without text and continue in a new one. @default 20000 */
  idleFinishMs?: number;
  /** How long opening the socket may take. @default 5000 */
  connectTimeoutMillis?: number;
  /** How long the service may take to answer `run-task`. @default 10000 */
  startTimeoutMillis?: number;
  /**
   * Keep sockets open across utterances (one `ConnectionPool` for every hook below): task after task on
   * one socket, `preconnect()` on intent, idle sockets closed after `idleTimeoutMs` (default 15 s, below
   * the service's 23 s), all closed on unmount. `false` opens a socket per utterance. A `ConnectionPool`
   * passed as `transport` is used as is (and left open on unmount: it is yours). @default true
   */
  connectionReuse?: boolean | ConnectionPoolOptions;
  /**
   * Playback speed of every hook below, 0.5–2, pitch kept (a hook's own `playbackRate` option wins; its
   * `setPlaybackRate` changes it in between). Applied by the player, never sent: the service's
   * `speechRate` is the request option. @default 1
   */
  playbackRate?: number;
  children?: ReactNode;
}

/**
 * Gives the hooks and components below it a transport, default request parameters (`model`, `voice`,
 * `format` and every other synthesizer option), a react-query client and a player factory.
 * Nothing connects until something speaks or preconnects; then one socket carries utterance after
 * utterance (see `connectionReuse`), and every socket closes on unmount. The default players of every hook below share one
 * `AudioContext`, created at the first `speak` (inside the user's gesture) and closed on unmount.
 *
 * @example
 * <SpeechProvider transport={proxyTransport({ url: '/api-ws/v1/inference' })} model="cosyvoice-v3-flash" voice="longanyang">
 *   <SpeakButton text="你好，世界" />
 * </SpeechProvider>
 */
export function SpeechProvider({ transport: given, queryClient, createPlayer, idleFinishMs, connectTimeoutMillis, startTimeoutMillis, connectionReuse = true, playbackRate, children, ...defaults }: SpeechProviderProps) {
  const ownClient = useOwnQueryClient(!queryClient);
  const poolOptions = useStableValue(typeof connectionReuse === 'object' ? connectionReuse : undefined);
  // Making a pool opens nothing (sockets come with the first speak or preconnect), so it can be made in render.
  const wrap = connectionReuse !== false && !(given instanceof ConnectionPool);
  // One pool for the provider's life: a transport recreated on every render (`transport={proxyTransport(…)}`)
  // must not drop the warm socket, nor close one an utterance is using (see ConnectionPool.setTransport).
  const ownPool = useMemo(() => (wrap ? new ConnectionPool(given, poolOptions) : undefined), [wrap, poolOptions]);
  useIsomorphicLayoutEffect(() => ownPool?.setTransport(given), [ownPool, given]);
  // The pool stays usable after close(): StrictMode's rehearsal unmount leaves nothing broken.
  useEffect(() => () => ownPool?.close(), [ownPool]);
  const transport = ownPool ?? given;
  const sharedAudioContext = useSharedAudioContext();
  // Without a format, browsers get the one measured to start fastest (PCM 24 kHz, see DEFAULT_BROWSER_FORMAT).
  const stableDefaults = useStableValue(mergeParameters({ format: DEFAULT_BROWSER_FORMAT }, defaults));
  const value = useMemo<SpeechContextValue>(
    () => ({
      transport,
      defaults: stableDefaults,
      queryClient: queryClient ?? ownClient!,
      createPlayer: createPlayer ?? (() => createAudioPlayer({ context: sharedAudioContext() })),
      idleFinishMs,
      connectTimeoutMillis,
      startTimeoutMillis,
      playbackRate,
    }),
    [transport, stableDefaults, queryClient, ownClient, sharedAudioContext, createPlayer, idleFinishMs, connectTimeoutMillis, startTimeoutMillis, playbackRate],
  );
  return <SpeechContext.Provider value={value}>{children}</SpeechContext.Provider>;
}
