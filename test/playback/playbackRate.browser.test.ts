// Playback rate in real Chromium, with real speech from the local voice server (tone engine: one tone
// per word, a 40 ms gap between words, exact word times): what the listener hears is recorded by a tap
// between the player and the output, with its context time, and set against the heard-audio clock and
// the highlighted word. The highlight budget (DESIGN.md: ≤ 20 ms mean, ≤ 50 ms max) must hold at
// every rate, for the clock itself; the moments the highlight changes also carry the main thread's
// scheduling, which a busy machine stretches, so they are only held to "never early".
// The first playthrough of a new player in a new context carries an offset of its own, at 1× too
// (the clock 6–40 ms behind the heard tones, steady over the utterance, varying from run to run: the
// worklet's start, not the rate); from the second on, the clock is within a few ms. So each test
// speaks a short text at 1× first, and measures the playthroughs after it.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { AudioFormat, SpeechController, proxyTransport, type SpeechStatus, type Transport } from 'cosyvoice-react/core';
import { createAudioPlayer, type Player } from 'cosyvoice-react/playback';
import { analyse, chunks, createTap, pcm16, expectHighlightsNotEarly, recordHeardClock, sine440, sleep, watchMainThreadStalls } from './browserAudio';

const serverUrl = inject('voiceServerUrl');
const TEXT = 'Every word here is one tone and the highlight follows what is heard at any speed';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/** A transport to the local server that counts the sockets it opens. */
function countingTransport(): Transport & { opened: number } {
  const base = proxyTransport({ url: serverUrl });
  const transport = {
    ...base,
    opened: 0,
    connect(...args: Parameters<Transport['connect']>) {
      transport.opened++;
      return base.connect(...args);
    },
  };
  return transport;
}

async function setup() {
  const context = new AudioContext({ latencyHint: 'interactive' });
  const tap = await createTap(context);
  const transport = countingTransport();
  const controller = new SpeechController({
    transport,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_24000HZ_MONO_16BIT, wordTimestampEnabled: true },
    createPlayer: () => createAudioPlayer({ context, connect: (output) => output.connect(tap.node) }),
  });
  cleanup.push(async () => {
    controller.release();
    await context.close();
  });
  // The first playthrough (see the top of this file).
  const ready = settled(controller);
  controller.speak('Ready');
  expect(await ready).toBe('ended');
  return { context, tap, transport, controller };
}

function settled(controller: SpeechController, timeoutMs = 20_000): Promise<SpeechStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not settled: ${JSON.stringify(controller.getSnapshot().status)}`)), timeoutMs);
    const check = () => {
      const { status } = controller.getSnapshot();
      if (status === 'ended' || status === 'error') {
        clearTimeout(timer);
        off();
        resolve(status);
      }
    };
    const off = controller.subscribe(check);
  });
}

/**
 * Sample indexes where a tone starts: the first loud sample (|x| > 0.05, a few ms into its attack)
 * after at least `gapMs` without one (the gaps between words; within a tone, loud samples are never
 * more than a fraction of a ms apart).
 */
function toneOnsets(samples: Float32Array, rate: number, gapMs = 8): number[] {
  const onsets: number[] = [];
  const gap = Math.round((rate * gapMs) / 1000);
  let lastLoud = -Infinity;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) <= 0.05) continue;
    if (i - lastLoud > gap) onsets.push(i);
    lastLoud = i;
  }
  return onsets;
}

/** Zero-crossing frequency of samples[from, to). */
function frequencyOf(samples: Float32Array, rate: number, from: number, to: number): number {
  let crossings = 0;
  for (let i = from + 1; i < to; i++) if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
  return crossings / ((to - from) / rate);
}

/**
 * Speaks `text` and records, while it plays: the heard position read every few ms (the clock, read
 * at the moment it is read, so a late timer does not distort it), the highlighted word's changes, and
 * when each context time was heard.
 */
async function speakAndRecord(s: Awaited<ReturnType<typeof setup>>, text: string, during?: (elapsedMs: number) => void) {
  const { context, tap, controller } = s;
  tap.mark();
  const readings: { at: number; positionMs: number; contextTime: number }[] = [];
  const changes: { index: number; at: number }[] = [];
  const heardClock = recordHeardClock(context, 5);
  const stalls = watchMainThreadStalls();
  const off = controller.subscribe(() => {
    const index = controller.getSnapshot().activeWordIndex;
    if (index >= 0 && changes.at(-1)?.index !== index) changes.push({ index, at: performance.now() });
  });
  const done = settled(controller);
  controller.speak(text);
  const started = performance.now();
  const timer = setInterval(() => {
    if (controller.getSnapshot().status === 'speaking') readings.push({ at: performance.now(), positionMs: controller.getPositionMs(), contextTime: context.currentTime });
    during?.(performance.now() - started);
  }, 4);
  try {
    expect(await done).toBe('ended');
  } finally {
    clearInterval(timer);
    heardClock.stop();
    off();
  }
  return {
    readings,
    changes,
    heardClock,
    samples: tap.samples(),
    tapStart: tap.startTime(),
    words: controller.getSnapshot().words,
    // What a busy machine did meanwhile: how late the main thread could be, and whether the player ran dry.
    longestStallMs: stalls.stop(),
    underruns: controller.player?.getSnapshot().underruns ?? 0,
  };
}

/**
 * The clock's reading at performance time `at`, interpolated between the two readings around it;
 * `undefined` where the readings around it are more than 25 ms apart (the main thread was stalled:
 * nothing saw the clock then).
 */
function clockAt(readings: ReadonlyArray<{ at: number; positionMs: number }>, at: number): number | undefined {
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1]!;
    const b = readings[i]!;
    if (a.at <= at && at <= b.at) return b.at - a.at > 25 ? undefined : a.positionMs + ((b.positionMs - a.positionMs) * (at - a.at)) / (b.at - a.at || 1);
  }
  return undefined;
}

/**
 * The output time between two word onsets against what the rate makes of the source's: within
 * `toleranceMs`, or, where the player ran dry (an underrun on a busy machine), never shorter (a stall
 * only adds silence).
 */
function expectOutputGap(outputMs: number, expectedMs: number, toleranceMs: number, underruns: number) {
  if (underruns === 0) expect(Math.abs(outputMs - expectedMs)).toBeLessThan(toleranceMs);
  else expect(outputMs).toBeGreaterThan(expectedMs - toleranceMs);
}

interface Recording extends Awaited<ReturnType<typeof speakAndRecord>> {}

/**
 * For each word: where its tone is heard (performance time), and the clock's error there in heard ms
 * (positive: the clock was ahead of the audio), given the rate that was playing around it.
 */
function measure(recording: Recording, context: AudioContext, rateAt: (wordIndex: number) => number) {
  const { samples, tapStart, words, readings, heardClock, changes } = recording;
  const onsets = toneOnsets(samples, context.sampleRate);
  expect(onsets).toHaveLength(words.length);
  return words.map((word, k) => {
    const heardAt = heardClock.audibleAt(tapStart + onsets[k]! / context.sampleRate);
    const clock = clockAt(readings, heardAt);
    const change = changes.find((c) => c.index === k);
    return {
      heardAt,
      onset: onsets[k]!,
      clockErrorMs: clock === undefined ? undefined : (clock - word.beginMs) / rateAt(k),
      highlightErrorMs: change === undefined ? undefined : change.at - heardAt,
    };
  });
}

/**
 * The budget's mean (≤ 20 ms) over the words; each word within twice its max (100 ms rather than 50):
 * where getOutputTimestamp() is briefly unusable the audible time comes from currentTime, which moves in
 * whole audio callbacks, and on a machine whose cores are busy a word now and then reads one callback
 * off (the bench measures the max: bench/results/playback.json).
 */
function expectWithinBudget(errors: (number | undefined)[]) {
  const measured = errors.filter((e): e is number => e !== undefined);
  // Words the clock was seen around (not the first, with no reading before its onset, nor the last,
  // nor one heard while the main thread was stalled).
  expect(measured.length).toBeGreaterThanOrEqual(Math.min(5, errors.length - 2));
  const abs = measured.map(Math.abs);
  const rounded = measured.map((e) => Math.round(e));
  expect(abs.reduce((a, b) => a + b, 0) / abs.length, `clock errors (ms): ${rounded.join(' ')}`).toBeLessThanOrEqual(20);
  expect(Math.max(...abs), `clock errors (ms): ${rounded.join(' ')}`).toBeLessThanOrEqual(100);
}

describe('playback rate in Chromium, real speech from the local server', () => {
  for (const rate of [0.75, 1.5, 2]) {
    it(`at ${rate}×: the utterance takes 1/${rate} of its time, and the clock and the highlight stay on the heard words`, async () => {
      const s = await setup();
      s.controller.setPlaybackRate(rate);
      const recording = await speakAndRecord(s, TEXT);
      const perWord = measure(recording, s.context, () => rate);
      // Word onsets in the output are the source's word times divided by the rate (within a hop or two).
      const first = perWord[0]!.onset;
      recording.words.forEach((word, k) => {
        const outputMs = ((perWord[k]!.onset - first) / s.context.sampleRate) * 1000;
        expectOutputGap(outputMs, (word.beginMs - recording.words[0]!.beginMs) / rate, 30, recording.underruns);
      });
      expectWithinBudget(perWord.map((w) => w.clockErrorMs));
      // Word 0 begins where playback begins: it is active from the first rendered sample (as at 1×).
      const highlightErrors = perWord.slice(1).flatMap((w) => (w.highlightErrorMs === undefined ? [] : [w.highlightErrorMs]));
      expectHighlightsNotEarly(highlightErrors);
      for (const error of highlightErrors) expect(error).toBeLessThan(Math.max(250, 100 + recording.longestStallMs));
      // The highlight moves forward through the words, never back. A main thread kept from running (a
      // loaded machine: seen with 10 of 16 words skipped at 2× while animation frames never paused 100 ms)
      // skips the highlight of words shorter than its delay, as it should: the words it did highlight are
      // held to the bounds above, and the bench measures every word on an idle machine.
      const highlightOrder = recording.changes.map((change) => change.index);
      for (let i = 1; i < highlightOrder.length; i++) expect(highlightOrder[i]).toBeGreaterThan(highlightOrder[i - 1]!);
      const highlightedWords = perWord.filter((w) => w.highlightErrorMs !== undefined).length;
      expect(highlightedWords).toBeGreaterThanOrEqual(3);
      // One socket per utterance (the first was the one at 1×): nothing more asked of the service for the rate.
      expect(s.transport.opened).toBe(2);
    }, 60_000);
  }

  it('keeps the pitch: a word sounds at the same frequency at 1.5× as at 1×', async () => {
    const s = await setup();
    const frequencies: number[] = [];
    const lengths: number[] = [];
    for (const rate of [1, 1.5]) {
      s.controller.setPlaybackRate(rate);
      const { samples } = await speakAndRecord(s, 'Tone');
      const onset = toneOnsets(samples, s.context.sampleRate)[0]!;
      let end = samples.length - 1;
      while (end > onset && Math.abs(samples[end]!) <= 0.05) end--;
      lengths.push(end - onset);
      // The middle half of the tone, clear of its attack and release.
      const quarter = Math.round((end - onset) / 4);
      frequencies.push(frequencyOf(samples, s.context.sampleRate, onset + quarter, end - quarter));
    }
    expect(frequencies[0]).toBeGreaterThan(100);
    expect(Math.abs(frequencies[1]! / frequencies[0]! - 1)).toBeLessThan(0.03);
    // …while it lasts 1/1.5 as long (a resampled speed-up would raise the pitch by 1.5).
    expect(lengths[1]! / lengths[0]!).toBeGreaterThan(1 / 1.5 - 0.06);
    expect(lengths[1]! / lengths[0]!).toBeLessThan(1 / 1.5 + 0.06);
  }, 40_000);

  it('changes rate mid-utterance (1× → 2× → 0.75×): no new request, the position continuous, no click, the clock on the heard words throughout', async () => {
    const s = await setup();
    const changedAt: { at: number; rate: number }[] = [];
    let step = 0;
    const text = `${TEXT} and then it goes on a while longer so that three speeds are heard in one utterance`;
    const recording = await speakAndRecord(s, text, () => {
      const position = s.controller.getPositionMs();
      const next = [
        { afterMs: 900, rate: 2 },
        { afterMs: 2600, rate: 0.75 },
      ][step];
      if (next && position >= next.afterMs) {
        s.controller.setPlaybackRate(next.rate);
        changedAt.push({ at: position, rate: next.rate });
        step++;
      }
    });
    expect(changedAt.map((c) => c.rate)).toEqual([2, 0.75]);
    expect(s.controller.getSnapshot().playbackRate).toBe(0.75);
    // Nothing asked of the service again: one socket for this utterance (the first was the one at 1×).
    expect(s.transport.opened).toBe(2);
    // The heard position never jumped (as a restart or a lost anchor would make it): between two
    // readings it moved at most as far as 2× takes it over the time that passed, plus slack for the
    // steps in which the audible time moves where getOutputTimestamp() is not usable (currentTime
    // advances by whole audio callbacks: 20–40 ms, 40–80 ms of source at 2×). The time that passed is
    // the audio clock's when it ran further than the wall clock: an audio thread that was late on a
    // busy machine renders its callbacks back to back, and the heard position follows what it output.
    const { readings } = recording;
    for (let i = 1; i < readings.length; i++) {
      const moved = readings[i]!.positionMs - readings[i - 1]!.positionMs;
      const wallMs = readings[i]!.at - readings[i - 1]!.at;
      const audioMs = (readings[i]!.contextTime - readings[i - 1]!.contextTime) * 1000;
      expect(moved, `reading ${i}: the position moved ${moved} ms in ${wallMs} ms (audio clock ${audioMs} ms)`).toBeLessThanOrEqual(2 * Math.max(wallMs, audioMs) + 150);
    }
    // No click: the output never steps more than the tones themselves can (≤ 0.03 per sample at 48 kHz).
    let maxStep = 0;
    for (let i = 1; i < recording.samples.length; i++) maxStep = Math.max(maxStep, Math.abs(recording.samples[i]! - recording.samples[i - 1]!));
    expect(maxStep).toBeLessThan(0.5 * ((2 * Math.PI * 300 * 1.2) / s.context.sampleRate) * 2);
    // The rate around each word, from where the changes were made (a word spanning one is left out).
    const rateAt = (k: number) => {
      const word = recording.words[k]!;
      let rate = 1;
      for (const change of changedAt) if (word.beginMs >= change.at + 20) rate = change.rate;
      return rate;
    };
    const all = measure(recording, s.context, rateAt);
    // Heard faster, then slower: between two words played wholly at one rate, the output gap is the
    // source gap divided by that rate.
    const gapsAt = new Map<number, number>();
    for (let k = 1; k < all.length; k++) {
      const [a, b] = [recording.words[k - 1]!, recording.words[k]!];
      const rate = rateAt(k - 1);
      if (rate !== rateAt(k) || changedAt.some((c) => c.at >= a.beginMs - 20 && c.at < b.beginMs + 20)) continue;
      const outputMs = ((all[k]!.onset - all[k - 1]!.onset) / s.context.sampleRate) * 1000;
      expectOutputGap(outputMs, (b.beginMs - a.beginMs) / rate, 20, recording.underruns);
      gapsAt.set(rate, (gapsAt.get(rate) ?? 0) + 1);
    }
    expect([...gapsAt.keys()].sort()).toEqual([0.75, 1, 2]);
    const perWord = all.filter((_, k) => {
      const word = recording.words[k]!;
      return !changedAt.some((c) => c.at >= word.beginMs - 20 && c.at < word.endMs + 20);
    });
    expect(perWord.length).toBeGreaterThan(10);
    expectWithinBudget(perWord.map((w) => w.clockErrorMs));
    // Word 0 begins where playback begins: it is active from the first rendered sample (as in the tests above).
    expectHighlightsNotEarly(perWord.flatMap(({ highlightErrorMs, onset }) => (highlightErrorMs !== undefined && onset !== all[0]!.onset ? [highlightErrorMs] : [])));
  }, 60_000);

  it('createAudioPlayer: a rate set before the audio output exists applies to it; bad input throws and changes nothing', async () => {
    const context = new AudioContext({ latencyHint: 'interactive' });
    const tap = await createTap(context);
    const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT, connect: (output) => output.connect(tap.node) });
    cleanup.push(async () => {
      player.dispose();
      await context.close();
    });
    // No worklet node yet: the rate waits for it.
    player.setPlaybackRate(2);
    expect(player.playbackRate).toBe(2);
    expect(player.getSnapshot().playbackRate).toBe(2);
    for (const bad of [0.4, 2.5, Number.NaN]) expect(() => player.setPlaybackRate(bad)).toThrow(expect.objectContaining({ name: 'ValidationError', field: 'playbackRate' }));
    expect(player.playbackRate).toBe(2);
    await player.unlock();
    const play = async (p: Player) => {
      tap.mark();
      p.reset();
      const done = new Promise<string>((resolve) => {
        const off = p.onEnded((reason) => {
          off();
          resolve(reason);
        });
      });
      for (const chunk of chunks(pcm16(24000, 1, sine440))) p.enqueue(chunk);
      p.endOfStream();
      expect(await done).toBe('finished');
      await sleep(30);
      return analyse(tap.samples(), context.sampleRate);
    };
    const fast = await play(player);
    // One second of source at 2×: half a second heard, at the same pitch.
    expect(fast.seconds).toBeGreaterThan(0.47);
    expect(fast.seconds).toBeLessThan(0.53);
    expect(fast.frequency).toBeGreaterThan(430);
    expect(fast.frequency).toBeLessThan(450);
    expect(player.getSnapshot()).toMatchObject({ state: 'ended', playbackRate: 2 });
    expect(player.getDurationMs()).toBeCloseTo(1000, 0);
    // Back to 1: the audio as it came.
    player.setPlaybackRate(1);
    const normal = await play(player);
    expect(normal.seconds).toBeGreaterThan(0.99);
    expect(normal.seconds).toBeLessThan(1.01);
  }, 30_000);
});
