import { PLAYER_WORKLET_SOURCE } from './playerWorkletSource';

/**
 * Loads the player's processor into a context's AudioWorklet: from `url` when given (self-hosted, for a
 * strict CSP), else from a Blob URL of the inlined source, else (Blob URLs fail in some sandboxed
 * iframes) from a `data:` URL.
 *
 * @example
 * await loadPlayerWorklet(context);
 * new AudioWorkletNode(context, PLAYER_PROCESSOR_NAME);
 */
export async function loadPlayerWorklet(context: BaseAudioContext, url?: string): Promise<void> {
  if (url) {
    await context.audioWorklet.addModule(url);
    return;
  }
  let blobUrl: string | undefined;
  try {
    blobUrl = URL.createObjectURL(new Blob([PLAYER_WORKLET_SOURCE], { type: 'text/javascript' }));
    await context.audioWorklet.addModule(blobUrl);
    return;
  } catch {
    // fall through to data:
  } finally {
    if (blobUrl) URL.revokeObjectURL(blobUrl);
  }
  await context.audioWorklet.addModule(`data:text/javascript;charset=utf-8,${encodeURIComponent(PLAYER_WORKLET_SOURCE)}`);
}
