import type { Transport } from 'cosyvoice-react';

/** A transport that stays "connecting" until the synthesizer gives up (shows the connecting state). */
export const neverConnects: Transport = {
  description: 'never connects',
  connect: (_handlers, signal) =>
    new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
};

/** A transport whose HTTP side fails (shows VoicePicker's error state); `heal()` makes it work again. */
export function flakyListing(base: Transport): Transport & { heal(): void } {
  let broken = true;
  return {
    description: 'flaky listing',
    connect: (handlers, signal) => base.connect(handlers, signal),
    http: {
      post: async (path, body, options) => {
        if (broken) throw new Error('The voice list is unavailable (simulated outage)');
        return base.http!.post(path, body, options);
      },
    },
    heal() {
      broken = false;
    },
  };
}

/** A transport whose HTTP side never answers (shows VoicePicker's loading state). */
export function slowListing(base: Transport): Transport {
  return { description: 'slow listing', connect: (handlers, signal) => base.connect(handlers, signal), http: { post: () => new Promise(() => undefined) } };
}
