import vm from 'node:vm';
import { PLAYER_WORKLET_SOURCE } from 'cosyvoice-react/playback';

export interface WorkletMessage {
  type: string;
  epoch: number;
  played: number;
  ctxTime: number;
  state: string;
  rate: number;
}

/** Runs the player processor's source in a vm with shimmed AudioWorkletGlobalScope globals. */
export function loadProcessor(sampleRate: number) {
  const messages: WorkletMessage[] = [];
  let Processor: (new () => { port: { onmessage: (e: { data: unknown }) => void }; process(i: unknown, o: Float32Array[][]): boolean }) | undefined;
  const context = {
    sampleRate,
    currentTime: 0,
    currentFrame: 0,
    AudioWorkletProcessor: class {
      port = { onmessage: (_e: { data: unknown }) => {}, postMessage: (m: WorkletMessage) => messages.push(m) };
    },
    registerProcessor: (_name: string, ctor: typeof Processor) => {
      Processor = ctor;
    },
  };
  vm.createContext(context);
  vm.runInContext(PLAYER_WORKLET_SOURCE, context);
  const processor = new Processor!();
  return {
    messages,
    /** Sets the scope's `currentTime` (and `currentFrame`) that the next quantum reads. */
    setCurrentTime(seconds: number) {
      context.currentFrame = Math.round(seconds * sampleRate);
      context.currentTime = context.currentFrame / sampleRate;
    },
    send(data: unknown) {
      processor.port.onmessage({ data });
    },
    /** Renders `quanta` quanta of 128 frames; returns the output samples. */
    render(quanta: number): Float32Array {
      const out = new Float32Array(quanta * 128);
      for (let q = 0; q < quanta; q++) {
        const channel = new Float32Array(128);
        processor.process([], [[channel]]);
        out.set(channel, q * 128);
        context.currentFrame += 128;
        context.currentTime = context.currentFrame / sampleRate;
      }
      return out;
    },
  };
}
