// Global setup of the Firefox-with-a-real-device project: a private PulseAudio null sink, handed to the
// Firefox the provider launches afterwards through PULSE_SERVER.
import { startPulseAudioSink } from './pulseAudioSink.ts';

export default async function setup() {
  const sink = await startPulseAudioSink();
  const previous = process.env.PULSE_SERVER;
  process.env.PULSE_SERVER = sink.server;
  return async () => {
    if (previous === undefined) delete process.env.PULSE_SERVER;
    else process.env.PULSE_SERVER = previous;
    await sink.close();
  };
}
