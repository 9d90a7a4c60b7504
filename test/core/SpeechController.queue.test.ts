import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, ConnectionPool, SpeechController, proxyTransport, type HeardText, type SpeechStatus } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { createLocalVoiceServer } from 'cosyvoice-react/server';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;

async function setup() {
  const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
  const url = await server.listen();
  cleanup.push(() => server.close());
  let opened = 0;
  const base = proxyTransport({ url, WebSocket: WebSocket as never });
  const pool = new ConnectionPool({ ...base, connect: (handlers, signal) => (opened++, base.connect(handlers, signal)) });
  cleanup.push(() => pool.close());
  const ended: string[] = [];
  const interrupted: HeardText[] = [];
  let controller!: SpeechController;
  controller = new SpeechController({
    transport: pool,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true },
    createPlayer: () => createSilentPlayer({ format: FORMAT }),
    getCallbacks: () => ({
      onEnd: () => ended.push(controller.getSnapshot().text),
      onInterrupt: (heard) => interrupted.push(heard),
    }),
  });
  cleanup.push(() => controller.release());
  return { controller, ended, interrupted, opened: () => opened };
}

function until(controller: SpeechController, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out; status ${controller.getSnapshot().status}`));
    }, timeoutMs);
    const test = () => {
      if (!check()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const unsubscribe = controller.subscribe(test);
    test();
  });
}

const status = (controller: SpeechController): SpeechStatus => controller.getSnapshot().status;

describe('SpeechController queue', () => {
  it("speak(text, { queue: 'append' }) plays after the current utterance, in order, each with its own id and end", async () => {
    const { controller, ended, opened } = await setup();
    controller.speak('First answer.');
    controller.speak('Second answer.', { queue: 'append' });
    controller.speak('Third answer.', { queue: 'append' });
    expect(controller.getSnapshot().queued).toEqual(['Second answer.', 'Third answer.']);
    expect(controller.getSnapshot().text).toBe('First answer.');
    const first = controller.getSnapshot().utterance;
    await until(controller, () => controller.getSnapshot().text === 'Third answer.' && status(controller) === 'ended');
    expect(ended).toEqual(['First answer.', 'Second answer.', 'Third answer.']);
    expect(controller.getSnapshot()).toMatchObject({ status: 'ended', text: 'Third answer.', queued: [], utterance: first + 2 });
    expect(controller.getSnapshot().words.map((w) => w.text)).toEqual(['Third', 'answer']);
    // One socket carried the three tasks.
    expect(opened()).toBe(1);
    expect(controller.getSnapshot().metrics.connectionReused).toBe(true);
  });

  it("'append' with nothing speaking speaks at once; the default 'replace' clears the queue", async () => {
    const { controller, ended } = await setup();
    controller.speak('Alone.', { queue: 'append' });
    expect(controller.getSnapshot()).toMatchObject({ status: 'connecting', text: 'Alone.', queued: [] });
    controller.speak('Queued.', { queue: 'append' });
    controller.speak('Replacement.');
    expect(controller.getSnapshot()).toMatchObject({ text: 'Replacement.', queued: [] });
    await until(controller, () => status(controller) === 'ended');
    await new Promise((r) => setTimeout(r, 300));
    expect(ended).toEqual(['Replacement.']);
  });

  it('stop() mid-queue stops the current utterance and drops the queued ones', async () => {
    const { controller, ended, opened } = await setup();
    controller.speak('One two three four five six.');
    controller.speak('Never spoken.', { queue: 'append' });
    await until(controller, () => status(controller) === 'speaking');
    controller.stop();
    expect(controller.getSnapshot()).toMatchObject({ status: 'idle', queued: [] });
    await new Promise((r) => setTimeout(r, 400));
    expect(status(controller)).toBe('idle');
    expect(ended).toEqual([]);
    expect(opened()).toBe(1);
  });
});

describe('SpeechController barge-in', () => {
  const TEXT = 'Alpha bravo charlie delta echo foxtrot golf hotel india juliet.';

  it('stop() reports the whole words heard and the unheard rest, from the word timestamps', async () => {
    const { controller, interrupted } = await setup();
    controller.speak(TEXT);
    await until(controller, () => controller.getSnapshot().activeWordIndex >= 3);
    const heard = controller.stop()!;
    const { words } = controller.getSnapshot();
    expect(heard.heardWords).toBeGreaterThanOrEqual(3);
    expect(heard.heardWords).toBeLessThan(words.length);
    expect(heard.heardText + heard.unheardText).toBe(TEXT);
    expect(heard.heardText).toBe(TEXT.split(' ').slice(0, heard.heardWords).join(' '));
    // Every heard word's audio had ended at the position; the next one had not.
    expect(words[heard.heardWords - 1]!.endMs).toBeLessThanOrEqual(heard.positionMs);
    expect(words[heard.heardWords]!.endMs).toBeGreaterThan(heard.positionMs);
    expect(controller.getSnapshot().heard).toEqual(heard);
    expect(interrupted).toEqual([heard]);
  });

  it('a replacing speak reports what was heard of the replaced utterance', async () => {
    const { controller, interrupted } = await setup();
    controller.speak(TEXT);
    await until(controller, () => controller.getSnapshot().activeWordIndex >= 1);
    controller.speak('Something else.');
    expect(interrupted).toHaveLength(1);
    expect(TEXT.startsWith(interrupted[0]!.heardText)).toBe(true);
    expect(interrupted[0]!.heardWords).toBeGreaterThanOrEqual(1);
    expect(controller.getSnapshot().heard).toEqual(interrupted[0]);
  });

  it('stop() before any audio was heard reports nothing heard; an utterance heard to the end reports all of it', async () => {
    const { controller, interrupted } = await setup();
    controller.speak(TEXT);
    const none = controller.stop()!;
    expect(none).toMatchObject({ heardText: '', unheardText: TEXT, heardWords: 0 });
    controller.speak('Short one.');
    await until(controller, () => status(controller) === 'ended');
    expect(controller.getSnapshot().heard).toMatchObject({ heardText: 'Short one.', unheardText: '' });
    expect(interrupted).toHaveLength(1);
  });
});
