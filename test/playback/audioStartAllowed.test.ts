import { describe, expect, it } from 'vitest';
import { audioStartAllowed } from '../../src/playback/audioStartAllowed';

describe('audioStartAllowed', () => {
  it('is true inside a gesture (transient user activation)', () => {
    expect(audioStartAllowed({ userActivation: { isActive: true } })).toBe(true);
    expect(audioStartAllowed({ userActivation: { isActive: true }, getAutoplayPolicy: () => 'disallowed' })).toBe(true);
  });

  it("is true where Firefox's autoplay policy allows an AudioContext, gesture or not", () => {
    expect(audioStartAllowed({ userActivation: { isActive: false }, getAutoplayPolicy: () => 'allowed' })).toBe(true);
  });

  it('is false outside a gesture where the browser says so', () => {
    expect(audioStartAllowed({ userActivation: { isActive: false } })).toBe(false);
    expect(audioStartAllowed({ getAutoplayPolicy: () => 'disallowed' })).toBe(false);
    expect(audioStartAllowed({ getAutoplayPolicy: () => 'allowed-muted' })).toBe(false);
  });

  it('is undefined where the browser tells neither (no navigator, no API), and survives a policy call that throws', () => {
    expect(audioStartAllowed({})).toBeUndefined();
    expect(audioStartAllowed(undefined)).toBeUndefined();
    const throwing = {
      getAutoplayPolicy: () => {
        throw new TypeError('unknown type');
      },
    };
    expect(audioStartAllowed(throwing)).toBeUndefined();
    expect(audioStartAllowed({ ...throwing, userActivation: { isActive: true } })).toBe(true);
  });
});
