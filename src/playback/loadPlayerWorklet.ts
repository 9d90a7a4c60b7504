import { PLAYER_WORKLET_SOURCE } from './playerWorkletSource';

// A processor name can be registered once per context: players sharing a context share one load.
const loaded = new WeakMap<BaseAudioContext, Promise<void>>();

/**
 * Loads the player's processor into a context's AudioWorklet, once per context (players sharing a
 * context share the load): from `url` when given (self-hosted, for a strict CSP), else from a Blob URL
 * of the inlined source, else (Blob URLs fail in some sandboxed iframes) from a `data:` URL. A failed
 * load is not remembered, so a later call tries again.
 *
 * @example
 * await loadPlayerWorklet(context);
 * new AudioWorkletNode(context, PLAYER_PROCESSOR_NAME);
 */
export function loadPlayerWorklet(context: BaseAudioContext, url?: string): Promise<void> {
  let loading = loaded.get(context);
  if (!loading) {
    loading = addPlayerModule(context, url);
    loaded.set(context, loading);
    loading.catch(() => loaded.delete(context));
  }
  return loading;
}

async function addPlayerModule(context: BaseAudioContext, url: string | undefined): Promise<void> {
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
