import vm from 'node:vm';
import type { TimeStretcher } from '../../src/playback/TimeStretcher';
import { TIME_STRETCHER_SOURCE } from '../../src/playback/timeStretcherSource';

/**
 * The TimeStretcher class that ships: `TIME_STRETCHER_SOURCE` evaluated in a fresh realm that has only
 * the JavaScript built-ins (no DOM, no `require`, no `TextDecoder`), like an AudioWorkletGlobalScope.
 */
export function loadTimeStretcher(): typeof TimeStretcher {
  const context = vm.createContext({});
  return vm.runInContext(`${TIME_STRETCHER_SOURCE}\nTimeStretcher`, context) as typeof TimeStretcher;
}
