import { ValidationError } from './errors';

/** The slowest playback rate a player plays at (half speed). */
export const MIN_PLAYBACK_RATE = 0.5;
/** The fastest playback rate a player plays at (double speed). */
export const MAX_PLAYBACK_RATE = 2;

/**
 * Returns `rate` when it is a playback rate a player accepts (a number from {@link MIN_PLAYBACK_RATE}
 * to {@link MAX_PLAYBACK_RATE}); otherwise throws a `ValidationError` for the field `playbackRate` that
 * says what it received, so a caller changes nothing before it throws.
 *
 * @example
 * player.setPlaybackRate(checkPlaybackRate(Number(input.value)));
 */
export function checkPlaybackRate(rate: number): number {
  if (typeof rate !== 'number' || !(rate >= MIN_PLAYBACK_RATE && rate <= MAX_PLAYBACK_RATE)) {
    const received = typeof rate === 'number' ? String(rate) : `a ${typeof rate}`;
    throw new ValidationError('playbackRate', `playbackRate must be a number from ${MIN_PLAYBACK_RATE} to ${MAX_PLAYBACK_RATE} (1 is normal speed), received ${received}`);
  }
  return rate;
}
