import { afterEach, describe, expect, it } from 'vitest';
import { AudioFormat, isSynthesisError, type AudioFormatSpec, type TimelineWord } from 'cosyvoice-react/core';
import { createAudioPlayer, type EndedReason, type Player } from 'cosyvoice-react/playback';
import { AudioDurationCounter } from '../../src/core/AudioDurationCounter';
import { analyse, chunks, clickIndexes, clickTrack, createTap, expectHighlightsNotEarly, fixture, isWebKit, pcm16, recordHeardClock, sine440, sleep, type Tap, watchMainThreadStalls, wav } from './browserAudio';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup) await fn();
  cleanup = [];
});

async function setup(format: AudioFormatSpec, extra: { forceWasmDecoder?: boolean } = {}) {
  const context = new AudioContext({ latencyHint: 'interactive' });
  const tap = await createTap(context);
  const player = createAudioPlayer({ context, format, connect: (output) => output.connect(tap.node), ...extra });
  await player.unlock();
  cleanup.push(async () => {
    player.dispose();
    await context.close();
  });
  return { context, tap, player };
}

function ended(player: Player, timeoutMs = 5000): Promise<EndedReason> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ended; snapshot ${JSON.stringify(player.getSnapshot())}`)), timeoutMs);
    const off = player.onEnded((reason) => {
      clearTimeout(timer);
      off();
      resolve(reason);
    });
  });
}

async function playAll(player: Player, tap: Tap, bytes: Uint8Array) {
  tap.mark();
  player.reset();
  const done = ended(player);
  for (const chunk of chunks(bytes)) player.enqueue(chunk);
  player.endOfStream();
  expect(await done).toBe('finished');
  await sleep(30);
}

describe('createAudioPlayer in Chromium: every format decoded and played', () => {
  for (const rate of [8000, 16000, 22050, 24000, 44100, 48000]) {
    it(`PCM16 at ${rate} Hz plays a 440 Hz tone of the right length and level`, async () => {
      const { context, tap, player } = await setup({ format: 'pcm', sampleRate: rate as 24000, channels: 'mono', bitRate: 16 });
      await playAll(player, tap, pcm16(rate, 0.5, sine440));
      const a = analyse(tap.samples(), context.sampleRate);
      expect(a.seconds).toBeGreaterThan(0.49);
      expect(a.seconds).toBeLessThan(0.51);
      expect(a.rms).toBeGreaterThan(0.33);
      expect(a.rms).toBeLessThan(0.37);
      expect(a.frequency).toBeGreaterThan(430);
      expect(a.frequency).toBeLessThan(450);
      expect(a.silentFrames).toBeLessThan(context.sampleRate * 0.003); // no gaps at chunk boundaries
      expect(player.getSnapshot()).toMatchObject({ state: 'ended', underruns: 0, canSeek: true });
      expect(player.getDurationMs()).toBeCloseTo(500, 0);
    });
  }

  it('WAV (header in the first frame, placeholder sizes) plays the tone', async () => {
    const { context, tap, player } = await setup(AudioFormat.WAV_22050HZ_MONO_16BIT);
    await playAll(player, tap, wav(22050, pcm16(22050, 0.5, sine440)));
    const a = analyse(tap.samples(), context.sampleRate);
    expect(a.seconds).toBeCloseTo(0.5, 1);
    expect(a.rms).toBeGreaterThan(0.33);
    expect(a.frequency).toBeGreaterThan(430);
    expect(a.frequency).toBeLessThan(450);
  });

  for (const forceWasmDecoder of [false, true]) {
    const via = forceWasmDecoder ? 'the WASM fallback (opus-decoder)' : 'WebCodecs';
    it(`Ogg Opus through ${via} plays the tone for its counted length`, async () => {
      const bytes = await fixture('sine440-48k.opus');
      const { context, tap, player } = await setup(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS, { forceWasmDecoder });
      await playAll(player, tap, bytes);
      // WebKit never gets Opus through WebCodecs: it crashed WebKitGTK's web process.
      expect(player.getDiagnostics().decoder).toBe(forceWasmDecoder || isWebKit ? 'wasm' : 'webcodecs');
      const counter = new AudioDurationCounter(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS);
      counter.push(bytes);
      const a = analyse(tap.samples(), context.sampleRate);
      // The fixture holds 0.94 s (its encoder drops a few tail pages); the counter reads it from granules.
      // A machine too busy to decode in time makes the player run dry: the gap is silence in the output,
      // counted as an underrun, and not part of the tone's length.
      const gapMs = (a.silentFrames / context.sampleRate) * 1000;
      if (gapMs > 3) expect(player.getSnapshot().underruns).toBeGreaterThan(0);
      expect(Math.abs(a.seconds * 1000 - gapMs - counter.durationMs)).toBeLessThan(30);
      expect(a.rms).toBeGreaterThan(0.3);
      expect(a.rms).toBeLessThan(0.4);
      expect(a.frequency).toBeGreaterThan(430);
      expect(a.frequency).toBeLessThan(450);
      // Decoded length agrees with the length word times are based on (within one 20 ms packet).
      expect(Math.abs(player.getDurationMs() - counter.durationMs)).toBeLessThan(21);
    });
  }

  for (const forceWasmDecoder of [false, true]) {
    const via = forceWasmDecoder ? 'the WASM fallback (mpg123-decoder)' : 'WebCodecs';
    it(`MP3 through ${via} plays the tone for its counted length`, async () => {
      const bytes = await fixture('sine440-24k.mp3');
      const { context, tap, player } = await setup(AudioFormat.MP3_24000HZ_MONO_256KBPS, { forceWasmDecoder });
      await playAll(player, tap, bytes);
      // WebKitGTK's WebCodecs MP3 fails every decode: the player falls back to WASM and plays it all.
      expect(player.getDiagnostics().decoder).toBe(forceWasmDecoder || isWebKit ? 'wasm' : 'webcodecs');
      const a = analyse(tap.samples(), context.sampleRate);
      // As for Opus: a machine too busy to decode in time leaves a gap of silence (an underrun), not tone.
      const gapSeconds = a.silentFrames / context.sampleRate;
      if (gapSeconds > 0.003) expect(player.getSnapshot().underruns).toBeGreaterThan(0);
      expect(a.seconds - gapSeconds).toBeGreaterThan(0.97);
      expect(a.seconds - gapSeconds).toBeLessThan(1.1);
      expect(a.rms).toBeGreaterThan(0.3);
      expect(a.rms).toBeLessThan(0.4);
      expect(a.frequency).toBeGreaterThan(430);
      expect(a.frequency).toBeLessThan(450);
      const counter = new AudioDurationCounter(AudioFormat.MP3_24000HZ_MONO_256KBPS);
      counter.push(bytes);
      expect(Math.abs(player.getDurationMs() - counter.durationMs)).toBeLessThan(25);
    });
  }
});

describe('createAudioPlayer in Chromium: clock, controls, metrics', () => {
  const WORDS_MS = [100, 400, 700, 1000];
  const words: TimelineWord[] = WORDS_MS.map((beginMs, i) => ({ text: `w${i}`, beginIndex: i * 3, endIndex: i * 3 + 2, beginMs, endMs: beginMs + 250, sentenceIndex: 0 }));

  it('highlights each scripted word when its audio is heard, never before (clicks at word starts)', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    tap.mark();
    player.reset();
    player.setTimeline(words);
    const changes: { index: number; at: number }[] = [];
    player.subscribe(() => {
      const index = player.getSnapshot().activeWordIndex;
      if (changes.at(-1)?.index !== index) changes.push({ index, at: performance.now() });
    });
    const done = ended(player);
    const heardClock = recordHeardClock(context);
    const stalls = watchMainThreadStalls();
    for (const chunk of chunks(pcm16(24000, 1.3, clickTrack(WORDS_MS)))) player.enqueue(chunk);
    player.endOfStream();
    await done;
    heardClock.stop();
    const longestStallMs = stalls.stop();
    const rate = context.sampleRate;
    const start = tap.startTime();
    const clicks = clickIndexes(tap.samples());
    expect(clicks).toHaveLength(4);
    // Gaps between clicks in the output equal the gaps in the source: the graph plays source time.
    for (let k = 1; k < 4; k++) expect(((clicks[k]! - clicks[k - 1]!) / rate) * 1000).toBeCloseTo(300, 0);
    const sequence = changes.map((c) => c.index).filter((i) => i !== -1 || changes.length === 0);
    expect(sequence).toEqual([0, 1, 2, 3]);
    expect(changes.at(-1)!.index).toBe(-1);
    const errors = WORDS_MS.map((_, k) => {
      const heard = heardClock.audibleAt(start + clicks[k]! / rate);
      const highlighted = changes.find((c) => c.index === k)!.at;
      return highlighted - heard;
    });
    // A clock that runs ahead (counting queued rather than played samples, or ignoring the output latency) shows up as
    // highlights before the click is heard. Lateness includes the main thread's scheduling, which a loaded machine
    // stretches: the bound is a frame's worth of slack plus the longest stall of the main thread seen meanwhile. The
    // error itself is measured in bench/playback.
    expectHighlightsNotEarly(errors);
    for (const e of errors) expect(e).toBeLessThan(100 + longestStallMs);
  });

  it('reports time to first audio and the library overhead from the first chunk', async () => {
    const { context, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    player.reset();
    const speakStartedAt = performance.now();
    player.markSpeakStart(speakStartedAt);
    await sleep(50);
    const done = ended(player);
    const enqueuedAt = performance.now();
    player.enqueue(pcm16(24000, 0.2, sine440));
    player.endOfStream();
    await done;
    const endedAt = performance.now();
    // Bounds from what happened, not from how fast this machine is: the first sample was heard after it was
    // enqueued, and no later than the end of playback plus the output latency.
    const ttfa = player.getSnapshot().timeToFirstAudioMs!;
    expect(ttfa).toBeGreaterThanOrEqual(enqueuedAt - speakStartedAt - 1);
    expect(ttfa).toBeLessThanOrEqual(endedAt - speakStartedAt + (context.outputLatency || 0) * 1000 + 1);
    const overhead = player.getDiagnostics().firstChunkToRenderMs!;
    expect(overhead).toBeGreaterThanOrEqual(0);
    expect(overhead).toBeLessThanOrEqual(endedAt - enqueuedAt + 1);
  });

  it('a stall mid-stream counts one underrun, freezes the clock, and playback resumes where it stopped', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    tap.mark();
    player.reset();
    const all = pcm16(24000, 0.8, sine440);
    const done = ended(player);
    player.enqueue(all.subarray(0, 24000 * 2 * 0.4));
    // The first 0.4 s plays out, then the stall shows (waited for: a busy machine renders late).
    await expect.poll(() => player.getSnapshot(), { timeout: 10_000 }).toMatchObject({ state: 'buffering', underruns: 1 });
    // The heard position reaches the end of what came (once the output's latency has passed) and stays.
    await expect.poll(() => player.getPositionMs()).toBeCloseTo(400, 0);
    const frozen = player.getPositionMs();
    // 0.3 s of the context's own time (a starved audio thread renders less than the wall clock says).
    const frozenAt = context.currentTime;
    await expect.poll(() => context.currentTime).toBeGreaterThan(frozenAt + 0.3);
    expect(player.getPositionMs()).toBe(frozen);
    player.enqueue(all.subarray(24000 * 2 * 0.4));
    player.endOfStream();
    await expect.poll(() => player.getSnapshot().state).toBe('playing');
    // It goes on from where it stopped (the end of the first part), not from 0 or from where real time got to.
    const resumedAt = player.getPositionMs();
    expect(resumedAt).toBeGreaterThanOrEqual(frozen);
    await expect.poll(() => player.getPositionMs()).toBeGreaterThan(420);
    await done;
    expect(player.getSnapshot().underruns).toBe(1);
    const a = analyse(tap.samples(), context.sampleRate);
    // 0.8 s of tone and a silent gap of about 0.3 s or more in between.
    expect(a.seconds).toBeGreaterThan(1.0);
    expect(a.silentFrames / context.sampleRate).toBeGreaterThan(0.25);
  });

  it('pause holds the position and the output silent; resume continues to the end', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    player.reset();
    const done = ended(player);
    player.enqueue(pcm16(24000, 1, sine440));
    player.endOfStream();
    await sleep(300);
    player.pause();
    expect(player.getSnapshot().state).toBe('paused');
    await sleep(100); // let the audible tail catch up with the pause
    const held = player.getPositionMs();
    tap.mark();
    await sleep(300);
    expect(player.getPositionMs()).toBe(held);
    expect(analyse(tap.samples(), context.sampleRate).rms).toBe(0);
    player.resume();
    // The worklet reports playing again in a later render quantum: waited for, not timed.
    await expect.poll(() => player.getSnapshot().state).toBe('playing');
    await expect.poll(() => player.getPositionMs()).toBeGreaterThan(held);
    expect(await done).toBe('finished');
    expect(player.getSnapshot().underruns).toBe(0);
  });

  it('stop drops queued audio at once, fires ended("stopped") once, and drops decoder output still in flight', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    player.reset();
    const reasons: EndedReason[] = [];
    player.onEnded((r) => reasons.push(r));
    player.enqueue(pcm16(24000, 2, sine440));
    await sleep(300);
    player.stop();
    await sleep(60);
    tap.mark();
    await sleep(200);
    expect(analyse(tap.samples(), context.sampleRate).rms).toBe(0);
    expect(reasons).toEqual(['stopped']);
    expect(player.getSnapshot()).toMatchObject({ state: 'idle', endedReason: 'stopped' });
    player.stop();
    expect(reasons).toEqual(['stopped']);

    // Opus: bytes pushed, stop before WebCodecs delivers — nothing plays.
    const opus = await fixture('sine440-48k.opus');
    player.reset({ format: AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS });
    tap.mark();
    player.enqueue(opus);
    player.stop();
    await sleep(300);
    expect(analyse(tap.samples(), context.sampleRate).rms).toBe(0);
  });

  it('after the end, replay and seek play from the complete audio and end again', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    await playAll(player, tap, pcm16(24000, 0.6, sine440));
    expect(player.getSnapshot().canSeek).toBe(true);
    tap.mark();
    let done = ended(player);
    expect(player.seek(400)).toBe(true);
    expect(await done).toBe('finished');
    await sleep(30);
    expect(analyse(tap.samples(), context.sampleRate).seconds).toBeCloseTo(0.2, 1);
    tap.mark();
    done = ended(player);
    expect(player.replay()).toBe(true);
    expect(await done).toBe('finished');
    await sleep(30);
    expect(analyse(tap.samples(), context.sampleRate).seconds).toBeCloseTo(0.6, 1);
  });

  it('onOutputDrained: once per playthrough, when the last sample went to the output, before onEnded("finished") by about the ms it reports', async () => {
    const { player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    const drained: Array<{ at: number; remainingMs: number }> = [];
    const off = player.onOutputDrained!((remainingMs) => drained.push({ at: performance.now(), remainingMs }));
    player.reset();
    const done = ended(player);
    for (const chunk of chunks(pcm16(24000, 0.4, sine440))) player.enqueue(chunk);
    player.endOfStream();
    expect(await done).toBe('finished');
    const endedAt = performance.now();
    expect(drained).toHaveLength(1);
    expect(drained[0]!.remainingMs).toBeGreaterThanOrEqual(0);
    // onEnded waits (a timer) for the remaining ms; a busy machine may only make it later.
    expect(endedAt - drained[0]!.at).toBeGreaterThanOrEqual(drained[0]!.remainingMs - 5);
    // A stopped playthrough never drains.
    player.reset();
    for (const chunk of chunks(pcm16(24000, 0.4, sine440))) player.enqueue(chunk);
    await sleep(50);
    player.stop();
    await sleep(500);
    expect(drained).toHaveLength(1);
    off();
  });

  it('a reset from onOutputDrained (a queue handing over) plays the next audio right after the last sample: both whole, in order', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    const reasons: EndedReason[] = [];
    player.onEnded((reason) => reasons.push(reason));
    const next = pcm16(24000, 0.3, sine440);
    let handedOver = false;
    player.onOutputDrained!(() => {
      if (handedOver) return;
      handedOver = true;
      player.reset();
      for (const chunk of chunks(next)) player.enqueue(chunk);
      player.endOfStream();
    });
    tap.mark();
    player.reset();
    for (const chunk of chunks(pcm16(24000, 0.3, sine440))) player.enqueue(chunk);
    player.endOfStream();
    await expect.poll(() => reasons.includes('finished'), { timeout: 5000 }).toBe(true);
    await sleep(30);
    // The first playthrough was cut at the output (its last samples were already there), the second ran to its end.
    expect(reasons).toEqual(['stopped', 'finished']);
    // Every sample of both reached the output: 0.6 s of tone (not counting the step between the two,
    // which a busy machine lengthens).
    const heard = analyse(tap.samples(), context.sampleRate);
    expect(heard.seconds - heard.silentFrames / context.sampleRate).toBeCloseTo(0.6, 1);
  });

  it('nextStream: two Ogg Opus streams (two tasks) play back to back in order on one clock', async () => {
    const opus = await fixture('sine440-48k.opus');
    const { context, tap, player } = await setup(AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS);
    tap.mark();
    player.reset();
    const done = ended(player);
    for (const chunk of chunks(opus, 700)) player.enqueue(chunk);
    player.nextStream();
    for (const chunk of chunks(opus, 700)) player.enqueue(chunk);
    player.endOfStream();
    expect(await done).toBe('finished');
    await sleep(30);
    const a = analyse(tap.samples(), context.sampleRate);
    expect(a.seconds).toBeGreaterThan(1.85);
    expect(a.seconds).toBeLessThan(1.95);
    expect(a.frequency).toBeGreaterThan(430);
    expect(a.frequency).toBeLessThan(450);
    expect(player.getDurationMs()).toBeCloseTo(1880, -1);
  });

  it('volume scales the output', async () => {
    const { context, tap, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    player.setVolume(0.25);
    // The gain glides there (10 ms time constant): 100 ms of the context's own time, however busy the machine.
    const setAt = context.currentTime;
    await expect.poll(() => context.currentTime).toBeGreaterThan(setAt + 0.1);
    await playAll(player, tap, pcm16(24000, 0.4, sine440));
    const a = analyse(tap.samples(), context.sampleRate);
    expect(a.rms).toBeGreaterThan(0.08);
    expect(a.rms).toBeLessThan(0.095);
  });

  it('players can share one context: the worklet loads once, and disposing one leaves it running for the next', async () => {
    const context = new AudioContext({ latencyHint: 'interactive' });
    const addModule = context.audioWorklet.addModule.bind(context.audioWorklet);
    let loads = 0;
    context.audioWorklet.addModule = (url, options) => {
      loads++;
      return addModule(url, options);
    };
    const tap = await createTap(context);
    loads = 0; // the tap's own worklet
    const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT, connect: (output) => output.connect(tap.node) });
    cleanup.push(async () => {
      player.dispose();
      await context.close();
    });
    await player.unlock();
    await playAll(player, tap, pcm16(24000, 0.3, sine440));
    player.dispose();
    expect(context.state).toBe('running');
    const second = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT, connect: (output) => output.connect(tap.node) });
    cleanup.push(async () => second.dispose());
    await second.unlock();
    await playAll(second, tap, pcm16(24000, 0.4, sine440));
    expect(second.getSnapshot().error).toBeUndefined();
    expect(loads).toBe(1);
    const a = analyse(tap.samples(), context.sampleRate);
    expect(a.seconds).toBeGreaterThan(0.39);
    expect(a.frequency).toBeGreaterThan(430);
    expect(a.frequency).toBeLessThan(450);
  });

  it('a context suspended by the system reads as "interrupted"; resume() from a tap continues', async () => {
    const { context, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    player.reset();
    const done = ended(player);
    player.enqueue(pcm16(24000, 0.8, sine440));
    player.endOfStream();
    await sleep(200);
    await context.suspend(); // what iOS does on a call; the player did not ask for it
    // statechange is dispatched after suspend() settles
    await expect.poll(() => player.getSnapshot().state).toBe('interrupted');
    const held = player.getPositionMs();
    await sleep(200);
    expect(player.getPositionMs()).toBe(held);
    player.resume();
    await expect.poll(() => player.getSnapshot().state).toBe('playing');
    expect(await done).toBe('finished');
  });
});

describe('createAudioPlayer: a context the browser keeps suspended', () => {
  it('rejects unlock() with a typed AudioBlocked error and reports it in the snapshot (fake context: real Chromium here cannot be blocked)', async () => {
    // An explicit mock of what headless Chromium cannot produce: resume() that never takes effect.
    const fake = {
      state: 'suspended',
      sampleRate: 48000,
      currentTime: 0,
      baseLatency: 0.01,
      outputLatency: 0,
      destination: {},
      audioWorklet: { addModule: () => new Promise<void>(() => {}) },
      resume: () => new Promise<void>(() => {}),
      close: () => Promise.resolve(),
      addEventListener: () => {},
      removeEventListener: () => {},
      createGain: () => ({ gain: { value: 1 }, connect: () => {}, disconnect: () => {} }),
      getOutputTimestamp: () => ({ contextTime: 0, performanceTime: 0 }),
    } as unknown as AudioContext;
    // A blocking browser says so too: Firefox's project allows autoplay by preference, so its
    // getAutoplayPolicy is made to agree with the fake (outside a gesture, as here).
    if ('getAutoplayPolicy' in navigator) Object.defineProperty(navigator, 'getAutoplayPolicy', { configurable: true, value: () => 'disallowed' });
    try {
      const player = createAudioPlayer({ createContext: () => fake, unlockTimeoutMs: 150 });
      const error = await player.unlock().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSynthesisError(error) && error.code).toBe('AudioBlocked');
      expect(player.getSnapshot().state).toBe('error');
      expect(player.getSnapshot().error?.code).toBe('AudioBlocked');
      player.dispose();
    } finally {
      delete (navigator as { getAutoplayPolicy?: unknown }).getAutoplayPolicy;
    }
  });
});

describe('createAudioPlayer in Chromium: every playthrough ends exactly once', () => {
  it('pause during a stall, the stream ends while paused, resume: ended("finished") fires once (not stuck buffering)', async () => {
    const { context, player } = await setup(AudioFormat.PCM_24000HZ_MONO_16BIT);
    // Source at the context rate: no resampling look-ahead holds back a last sample, so the queue is
    // really empty during the stall.
    const rate = context.sampleRate;
    player.reset({ format: { format: 'pcm', sampleRate: rate as 48000, channels: 'mono', bitRate: 16 } });
    const reasons: EndedReason[] = [];
    player.onEnded((r) => reasons.push(r));
    const done = ended(player);
    player.enqueue(pcm16(rate, 0.2, sine440));
    await expect.poll(() => player.getSnapshot(), { timeout: 10_000 }).toMatchObject({ state: 'buffering', underruns: 1 });
    player.pause();
    player.endOfStream();
    await sleep(100);
    expect(player.getSnapshot().state).toBe('paused');
    expect(reasons).toEqual([]);
    player.resume();
    expect(await done).toBe('finished');
    await sleep(100);
    expect(reasons).toEqual(['finished']);
    expect(player.getSnapshot()).toMatchObject({ state: 'ended', endedReason: 'finished', underruns: 1 });
  });

  it('a decoding failure mid-playthrough ends it once with "error": queued audio stops, nothing ends it again', async () => {
    const { context, tap, player } = await setup(AudioFormat.WAV_22050HZ_MONO_16BIT);
    const reasons: EndedReason[] = [];
    player.onEnded((r) => reasons.push(r));
    player.reset();
    player.enqueue(wav(22050, pcm16(22050, 2, sine440)));
    await expect.poll(() => player.getSnapshot().state).toBe('playing');
    // The next task's stream is stereo WAV, which the player cannot play.
    const stereo = wav(22050, pcm16(22050, 0.5, sine440));
    new DataView(stereo.buffer).setUint16(22, 2, true);
    player.nextStream();
    player.enqueue(stereo);
    expect(player.getSnapshot()).toMatchObject({ state: 'error', endedReason: 'error', activeWordIndex: -1, canSeek: false });
    expect(player.getSnapshot().error?.code).toBe('AudioFailed');
    expect(reasons).toEqual(['error']);
    // The 1.8 s still queued was dropped: the output goes silent once the worklet has the flush (a busy
    // machine delivers it late, but well within the 1.8 s it would otherwise play), and stays silent.
    const failedAt = performance.now();
    tap.mark();
    await expect.poll(() => {
      const recorded = tap.samples();
      return recorded.length >= 4800 && analyse(recorded.subarray(recorded.length - 4800), context.sampleRate).rms === 0;
    }).toBe(true);
    expect(performance.now() - failedAt).toBeLessThan(1500);
    tap.mark();
    await sleep(200);
    expect(analyse(tap.samples(), context.sampleRate).rms).toBe(0);
    player.enqueue(wav(22050, pcm16(22050, 0.5, sine440)));
    player.endOfStream();
    await sleep(300);
    player.stop();
    expect(player.replay()).toBe(false);
    expect(reasons).toEqual(['error']);
    expect(player.getSnapshot().state).toBe('error');
    // The next utterance starts clean.
    const done = ended(player);
    player.reset();
    player.enqueue(wav(22050, pcm16(22050, 0.2, sine440)));
    player.endOfStream();
    expect(await done).toBe('finished');
    expect(reasons).toEqual(['error', 'finished']);
  });
});

describe('createAudioPlayer in Chromium: a worklet that cannot load', () => {
  it('fails every playthrough once with "error" (AudioFailed) instead of buffering forever', async () => {
    const context = new AudioContext();
    const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT, workletUrl: '/no-such-worklet.js' });
    cleanup.push(async () => {
      player.dispose();
      await context.close();
    });
    const reasons: EndedReason[] = [];
    player.onEnded((r) => reasons.push(r));
    let done = ended(player);
    player.reset();
    player.enqueue(pcm16(24000, 0.3, sine440));
    player.endOfStream();
    expect(await done).toBe('error');
    expect(player.getSnapshot()).toMatchObject({ state: 'error', endedReason: 'error' });
    expect(player.getSnapshot().error?.code).toBe('AudioFailed');
    expect(player.getSnapshot().error?.message).toMatch(/workletUrl/);
    // The next utterance fails at once, the same way.
    done = ended(player);
    player.reset();
    player.enqueue(pcm16(24000, 0.3, sine440));
    expect(await done).toBe('error');
    expect(player.getSnapshot().state).toBe('error');
    expect(player.replay()).toBe(false);
    expect(reasons).toEqual(['error', 'error']);
  });
});

describe('createAudioPlayer in Chromium: platform details', () => {
  it('sets navigator.audioSession.type = "playback" where the API exists (iOS Safari), unless audioSession: false', async () => {
    // Chromium has no Audio Session API; this stands in for Safari's navigator.audioSession.
    const session = { type: 'auto' };
    Object.defineProperty(navigator, 'audioSession', { value: session, configurable: true });
    const context = new AudioContext();
    cleanup.push(async () => {
      delete (navigator as { audioSession?: unknown }).audioSession;
      await context.close();
    });
    const optedOut = createAudioPlayer({ context, audioSession: false });
    await optedOut.unlock();
    expect(session.type).toBe('auto');
    optedOut.dispose();
    const player = createAudioPlayer({ context });
    expect(session.type).toBe('auto'); // creating the player touches nothing
    await player.unlock();
    expect(session.type).toBe('playback');
    player.dispose();
    // A web view where the property is read-only: unlock still works.
    Object.defineProperty(navigator, 'audioSession', {
      value: {
        get type() {
          return 'auto';
        },
        set type(_value: string) {
          throw new TypeError('read-only');
        },
      },
      configurable: true,
    });
    const readOnly = createAudioPlayer({ context });
    await expect(readOnly.unlock()).resolves.toBeUndefined();
    readOnly.dispose();
  });

  it('while getOutputTimestamp() is still {0, 0} (its first ~40 ms), the clock uses currentTime minus the latency: never ahead, never negative, never backwards', async () => {
    const context = new AudioContext({ latencyHint: 'interactive' });
    const realTimestamp = context.getOutputTimestamp.bind(context);
    let zero = true;
    let zeroCalls = 0;
    context.getOutputTimestamp = () => {
      if (!zero) return realTimestamp();
      zeroCalls++;
      return { contextTime: 0, performanceTime: 0 };
    };
    const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT });
    cleanup.push(async () => {
      player.dispose();
      await context.close();
    });
    await player.unlock();
    player.reset();
    const speakStartedAt = performance.now();
    player.markSpeakStart(speakStartedAt);
    await sleep(50);
    const done = ended(player);
    const t0 = context.currentTime; // no sample of this utterance can be output before this
    const enqueuedAt = performance.now();
    player.enqueue(pcm16(24000, 1, sine440));
    player.endOfStream();
    const positions: number[] = [];
    const latency = () => context.outputLatency || context.baseLatency || 0;
    for (let i = 0; i < 15; i++) {
      await sleep(20);
      const before = latency();
      const position = player.getPositionMs();
      const ct = context.currentTime;
      const audible = ct - Math.min(before, latency());
      positions.push(position);
      // At most what was output one latency ago (a clock reading zero stamps as time 0, or as the render
      // time, would run ahead of what is heard).
      expect(position).toBeLessThanOrEqual(Math.max(0, (audible - t0) * 1000) + 1e-6);
    }
    expect(zeroCalls).toBeGreaterThan(0);
    expect(positions.at(-1)).toBeGreaterThan(0); // it did play on the fallback clock
    // First audio is measured from the render time plus the latency, not from the zero stamp.
    expect(player.getSnapshot().timeToFirstAudioMs!).toBeGreaterThanOrEqual(enqueuedAt - speakStartedAt - 1);
    // Real stamps arrive: the switch moves the clock by at most the elapsed time plus the latency.
    const ctBefore = context.currentTime;
    const last = player.getPositionMs();
    zero = false;
    await sleep(20);
    const next = player.getPositionMs();
    expect(next).toBeGreaterThanOrEqual(last);
    expect(next - last).toBeLessThanOrEqual((context.currentTime - ctBefore + latency()) * 1000 + 1);
    for (let i = 0; i < 10; i++) {
      await sleep(30);
      positions.push(player.getPositionMs());
    }
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThanOrEqual(positions[i - 1]!);
    expect(positions.every((p) => p >= 0 && p <= 1000)).toBe(true);
    expect(await done).toBe('finished');
  });
});
