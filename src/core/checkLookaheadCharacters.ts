import { ValidationError } from './errors';

/**
 * Returns `characters` when it is a reading's window (a number of at least 1, `Infinity` included);
 * otherwise throws a `ValidationError` for the field `lookaheadCharacters` that says what it received.
 * Shared by `ReadAloudController` and `useReadAloud`, whose engine may be constructed after the render.
 */
export function checkLookaheadCharacters(characters: number): number {
  if (!(characters >= 1)) throw new ValidationError('lookaheadCharacters', `lookaheadCharacters must be a number of at least 1, got ${String(characters)}`);
  return characters;
}
