// The heard-audio clock when getOutputTimestamp() is off the performance.now() clock, as in WebKitGTK 2.50
// (its performanceTime ran ahead at twice the speed: the highlight stuck on the first word and "ended"
// came ~16 s late). Emulated on a real context so it runs, and fails without the check, in every engine;
// in WebKit the real stamps do the same.
import { afterEach, describe, expect, it } from 'vitest';
import { AudioFormat, type TimelineWord } from 'cosyvoice-react/core';
import { createAudioPlayer, type Player } from 'cosyvoice-react/playback';
import { chunks, clickTrack, pcm16, sleep } from './browserAudio';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup) await fn();
  cleanup = [];
});

const WORDS_MS = [100, 400, 700, 1000];
const words: TimelineWord[] = WORDS_MS.map((beginMs, i) => ({ text: `w${i}`, beginIndex: i * 3, endIndex: i * 3 + 2, beginMs, endMs: beginMs + 250, sentenceIndex: 0 }));

/** A context whose getOutputTimestamp() reports WebKitGTK-like stamps: right context time, performanceTime ahead at 2×. */
function offClockContext(): AudioContext {
  const context = new AudioContext({ latencyHint: 'interactive' });
  const startedAt = performance.now();
  context.getOutputTimestamp = () => ({ contextTime: context.currentTime, performanceTime: startedAt + 2 * (performance.now() - startedAt) + 1000 });
  return context;
}

function endedWithin(player: Player, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ended within ${timeoutMs} ms; snapshot ${JSON.stringify(player.getSnapshot())}`)), timeoutMs);
    const off = player.onEnded(() => {
      clearTimeout(timer);
      off();
      resolve(performance.now());
    });
  });
}

describe('createAudioPlayer: an output timestamp off the performance clock (WebKitGTK)', () => {
  it('is not trusted: every word is highlighted in order while heard, and the end comes when the audio ends', async () => {
    const context = offClockContext();
    const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT });
    cleanup.push(async () => {
      player.dispose();
      await context.close();
    });
    await player.unlock();
    player.reset();
    player.setTimeline(words);
    const sequence: number[] = [];
    player.subscribe(() => {
      const index = player.getSnapshot().activeWordIndex;
      if (index >= 0 && sequence.at(-1) !== index) sequence.push(index);
    });
    const audioMs = 1300;
    // Generous for a loaded machine and a worklet still loading; the stamps above would hold "ended" back by seconds.
    const done = endedWithin(player, audioMs + 3500);
    const startedAt = performance.now();
    for (const chunk of chunks(pcm16(24000, audioMs / 1000, clickTrack(WORDS_MS)))) player.enqueue(chunk);
    player.endOfStream();
    const endedAt = await done;
    // In order, through to the last word (trusting the stamp it stuck before the first). A main thread that
    // stalls (a loaded machine) may skip a word's frames, so every word being seen is not required.
    expect(sequence.at(-1)).toBe(3);
    expect(sequence.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < sequence.length; i++) expect(sequence[i]).toBeGreaterThan(sequence[i - 1]!);
    expect(endedAt - startedAt).toBeGreaterThanOrEqual(audioMs - 50);
    expect(player.getSnapshot().state).toBe('ended');
    // Time to first audio is measured from the render time too, not inflated by the stamp (it was ~1 s here).
    expect(player.getSnapshot().timeToFirstAudioMs!).toBeLessThan(endedAt - startedAt);
    await sleep(0);
  });

  it('a position read mid-playthrough follows currentTime, not the stamp', async () => {
    const context = offClockContext();
    const player = createAudioPlayer({ context, format: AudioFormat.PCM_24000HZ_MONO_16BIT });
    cleanup.push(async () => {
      player.dispose();
      await context.close();
    });
    await player.unlock();
    player.reset();
    const t0 = context.currentTime;
    player.enqueue(pcm16(24000, 2, clickTrack([])));
    // From the moment it plays (the worklet may still be loading: ~0.5 s in WebKitGTK).
    await expect.poll(() => player.getSnapshot().state, { timeout: 5000 }).toBe('playing');
    await sleep(200);
    const first = { position: player.getPositionMs(), time: context.currentTime };
    await sleep(300);
    const second = { position: player.getPositionMs(), time: context.currentTime };
    // Never more than what was rendered since the enqueue, and it moves with the context's clock; trusting
    // the stamp, it stayed at 0. (Loose bounds: on a busy machine the two reads of each pair can be apart
    // by a few audio blocks of currentTime's steps; the clock's error itself is measured in bench/playback.)
    // (Computed the same way from the same clock, the two can differ in the last bit of a double: 1 µs of slack.)
    expect(second.position).toBeLessThanOrEqual((second.time - t0) * 1000 + 0.001);
    const advanced = second.position - first.position;
    const elapsed = (second.time - first.time) * 1000;
    expect(advanced).toBeGreaterThan(elapsed / 2);
    expect(advanced).toBeLessThan(elapsed + 150);
    player.stop();
  });
});
