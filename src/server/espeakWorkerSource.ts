/**
 * The source of the espeak worker thread, run with `new Worker(source, { eval: true })`. It is a string
 * (not a separate file) so it works unchanged from the TypeScript sources, the ESM and the CJS build,
 * and no bundler can rewrite it. It loads `@echogarden/espeak-ng-emscripten` (GPL-3.0, an optional peer)
 * by dynamic import from the absolute URL the parent resolved, and answers one request at a time:
 *
 * - in: `{ id, text, voice, rate, pitch }`
 * - out: `{ id, type: 'audio', samples: Int16Array }`… then `{ id, type: 'done', events }` or `{ id, type: 'error', message }`
 */
export const ESPEAK_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
let worker;
let currentVoice = '';
const ready = import(workerData.moduleUrl).then(async (mod) => {
  const init = mod.default || mod;
  const instance = await init();
  worker = new instance.eSpeakNGWorker();
  parentPort.postMessage({ type: 'ready', sampleRate: worker.samplerate });
}).catch((error) => {
  parentPort.postMessage({ type: 'fatal', message: String(error && error.message || error) });
});
parentPort.on('message', async (request) => {
  await ready;
  if (!worker) { parentPort.postMessage({ id: request.id, type: 'error', message: 'espeak failed to load' }); return; }
  try {
    if (request.voice !== currentVoice) {
      try { worker.set_voice(request.voice); currentVoice = request.voice; }
      catch (error) { worker.set_voice('en-us'); currentVoice = 'en-us'; }
    }
    worker.set_rate(request.rate);
    worker.set_pitch(request.pitch);
    const events = [];
    worker.synthesize(request.text, (samples, evs) => {
      if (samples && samples.length) {
        const copy = new Int16Array(samples);
        parentPort.postMessage({ id: request.id, type: 'audio', samples: copy }, [copy.buffer]);
      }
      for (const e of evs || []) {
        if (e.type === 'word' || e.type === 'end' || e.type === 'phoneme') events.push([e.type, e.audio_position, e.text_position]);
      }
      return 0;
    });
    parentPort.postMessage({ id: request.id, type: 'done', events });
  } catch (error) {
    parentPort.postMessage({ id: request.id, type: 'error', message: String(error && error.message || error) });
  }
});
`;
