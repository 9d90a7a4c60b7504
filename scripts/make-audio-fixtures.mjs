// Writes the small encoded fixtures the playback browser tests decode: a 1 s, 440 Hz sine at 0.5
// amplitude, as MP3 (24 kHz, 48 kbps CBR, wasm-media-encoders) and Ogg Opus (48 kHz, 32 kbps,
// opus-encdec). PCM and WAV are generated inside the tests. Run: node scripts/make-audio-fixtures.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createMp3Encoder } from 'wasm-media-encoders';

const require = createRequire(import.meta.url);
const outDir = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'audio');
mkdirSync(outDir, { recursive: true });

const FREQUENCY = 440;
const AMPLITUDE = 0.5;
const SECONDS = 1;

function sine(sampleRate) {
  const out = new Float32Array(sampleRate * SECONDS);
  for (let i = 0; i < out.length; i++) out[i] = AMPLITUDE * Math.sin((2 * Math.PI * FREQUENCY * i) / sampleRate);
  return out;
}

async function makeMp3() {
  const rate = 24000;
  const encoder = await createMp3Encoder();
  encoder.configure({ sampleRate: rate, channels: 1, bitrate: 48 });
  const parts = [];
  const samples = sine(rate);
  for (let i = 0; i < samples.length; i += 2400) parts.push(Buffer.from(encoder.encode([samples.subarray(i, i + 2400)])));
  parts.push(Buffer.from(encoder.finalize()));
  return Buffer.concat(parts);
}

async function makeOpus() {
  const Module = require('opus-encdec/dist/libopus-encoder.wasm.js');
  await new Promise((resolve) => {
    const poll = () => (Module.isReady ? resolve() : setTimeout(poll, 5));
    poll();
  });
  const { OggOpusEncoder } = require('opus-encdec/src/oggOpusEncoder.js');
  const rate = 48000;
  const chunkSize = 960;
  const encoder = new OggOpusEncoder(
    { originalSampleRate: rate, encoderSampleRate: rate, numberOfChannels: 1, encoderApplication: 2048, encoderBitRate: 32000, encoderFrameSize: 20, maxFramesPerPage: 10 },
    Module,
  );
  const pages = [];
  const take = (x) => {
    if (!x) return;
    if (Array.isArray(x)) x.forEach(take);
    else pages.push(Buffer.from(x.page));
  };
  take(encoder.generateIdPage());
  take(encoder.generateCommentPage());
  const samples = sine(rate);
  for (let i = 0; i < samples.length; i += chunkSize) {
    const chunk = new Float32Array(chunkSize);
    chunk.set(samples.subarray(i, i + chunkSize));
    take(encoder.encode([chunk]));
  }
  take(encoder.encode([new Float32Array(chunkSize)]));
  encoder.headerType |= 4;
  take(encoder.generatePage());
  encoder.destroy();
  return Buffer.concat(pages);
}

const mp3 = await makeMp3();
writeFileSync(path.join(outDir, 'sine440-24k.mp3'), mp3);
const opus = await makeOpus();
writeFileSync(path.join(outDir, 'sine440-48k.opus'), opus);
console.log(`mp3 ${mp3.byteLength} bytes, opus ${opus.byteLength} bytes -> ${path.relative(process.cwd(), outDir)}`);
