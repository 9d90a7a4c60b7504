import type { ReactNode } from 'react';
import { SpeechProvider, type SpeechProviderProps, type Transport } from 'cosyvoice-react';
import { countingTransport, providerProps, startLocalServer } from '../utils/speechHarness';

/**
 * Holds every connection until `release()`, so the `connecting` state can be looked at. (Not `open()`:
 * the counting transport's `open` is its count of open sockets.)
 */
export function gated<T extends Transport>(transport: T): T & { hold(): void; release(): void } {
  let gate: Promise<void> | undefined;
  let release = () => {};
  const connect = transport.connect.bind(transport);
  return Object.assign(transport, {
    async connect(...args: Parameters<Transport['connect']>) {
      await gate;
      return connect(...args);
    },
    hold() {
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    release() {
      release();
    },
  });
}

/**
 * A local voice server (tone engine, rate 2 so tests stay short), a counting and gated transport to
 * it, and a wrapper with a `SpeechProvider` (silent real-time player). Call `stop()` after the test.
 */
export async function setupSpeech(extra: Partial<SpeechProviderProps> = {}) {
  const { server, url } = await startLocalServer();
  const transport = gated(countingTransport(url));
  const props = providerProps(transport, { speechRate: 2, ...extra });
  const wrapper = ({ children }: { children: ReactNode }) => <SpeechProvider {...props}>{children}</SpeechProvider>;
  return { server, transport, wrapper, stop: () => server.close() };
}
