import type { ReactNode } from 'react';
import { StrictMode } from 'react';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { SpeechProvider, type SpeechProviderProps } from 'cosyvoice-react';
import { AudioFormat, proxyTransport, type Transport } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { createLocalVoiceServer, type LocalVoiceServerOptions } from 'cosyvoice-react/server';

/** A local voice server (tone engine) listening on 127.0.0.1, for hook and component tests. */
export async function startLocalServer(options: LocalVoiceServerOptions = {}) {
  const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0, ...options });
  const url = await server.listen();
  return { server, url };
}

/**
 * A transport to a local voice server of its own per test, counting its sockets (see
 * {@link countingTransport}): call at a test file's top level; each call of the returned function
 * starts a server, closed after the test.
 */
export function countingServerPerTest(): () => Promise<ReturnType<typeof countingTransport>> {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  return async () => {
    const { server, url } = await startLocalServer();
    close = () => server.close();
    return countingTransport(url);
  };
}

/** A transport to `url` that counts the sockets it opened (and how many are still open). */
export function countingTransport(url: string): Transport & { opened: number; open: number } {
  const base = proxyTransport({ url, WebSocket: WebSocket as never });
  const transport = {
    opened: 0,
    open: 0,
    description: base.description,
    http: base.http,
    async connect(handlers: Parameters<Transport['connect']>[0], signal: AbortSignal) {
      transport.opened++;
      const socket = await base.connect(
        {
          onMessage: handlers.onMessage,
          onClose(code, reason) {
            transport.open--;
            handlers.onClose(code, reason);
          },
        },
        signal,
      );
      transport.open++;
      return socket;
    },
  };
  return transport;
}

/** The provider props every hook test uses: a silent real-time player, PCM 16 kHz, a system voice with timestamps. */
export function providerProps(transport: Transport, extra: Partial<SpeechProviderProps> = {}): SpeechProviderProps {
  return {
    transport,
    model: 'cosyvoice-v3-flash',
    voice: 'longanyang',
    format: AudioFormat.PCM_16000HZ_MONO_16BIT,
    wordTimestampEnabled: true,
    createPlayer: () => createSilentPlayer({ format: AudioFormat.PCM_16000HZ_MONO_16BIT }),
    ...extra,
  };
}

/** A renderHook wrapper with a SpeechProvider (and StrictMode when asked). */
export function wrapperFor(props: SpeechProviderProps, strict = false) {
  return function Wrapper({ children }: { children: ReactNode }) {
    const tree = <SpeechProvider {...props}>{children}</SpeechProvider>;
    return strict ? <StrictMode>{tree}</StrictMode> : tree;
  };
}
