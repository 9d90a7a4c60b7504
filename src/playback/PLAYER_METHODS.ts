import type { Player } from 'cosyvoice-react/core';

/** The methods of a {@link Player} that callers may hand out detached (`const { enqueue } = player`): both players bind them. */
export const PLAYER_METHODS = /* @__PURE__ */ Object.freeze([
  'unlock',
  'reset',
  'markSpeakStart',
  'enqueue',
  'nextStream',
  'endOfStream',
  'setTimeline',
  'pause',
  'resume',
  'stop',
  'setVolume',
  'setPlaybackRate',
  'replay',
  'seek',
  'getPositionMs',
  'getDurationMs',
  'subscribe',
  'getSnapshot',
  'subscribeActiveWord',
  'onEnded',
  'getDiagnostics',
  'dispose',
] as const satisfies ReadonlyArray<keyof Player>);
