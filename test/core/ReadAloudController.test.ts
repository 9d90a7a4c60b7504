import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, ConnectionPool, ReadAloudController, SYNTHESIS_AHEAD_MS, countCharacters, proxyTransport, type ReadAloudSnapshot, type Transport } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { createLocalVoiceServer, createSynthesisProxy, createToneEngine, type SynthesisEngine } from 'cosyvoice-react/server';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;

/** A reading over the local voice server (tone engine) through a connection pool, recording the text of every task. */
async function setup(options: { maxCharactersPerTask?: number; realtime?: boolean; throughProxy?: boolean; spareConnection?: boolean; lookaheadCharacters?: number; speechRate?: number; engine?: SynthesisEngine } = {}) {
  const KEY = 'sk-READING-3f9a1c7e';
  const server = createLocalVoiceServer({ engine: options.engine ?? 'tone', host: '127.0.0.1', port: 0, apiKeys: options.throughProxy ? [KEY] : undefined });
  let url = await server.listen();
  cleanup.push(() => server.close());
  if (options.throughProxy) {
    // The proxy holds the key; the local server plays DashScope behind it and accepts only that key.
    const proxy = createSynthesisProxy({ apiKey: KEY, upstream: server.url, port: 0, host: '127.0.0.1', log: () => undefined });
    url = await proxy.listen();
    cleanup.push(() => proxy.close());
  }
  const base = proxyTransport({ url, WebSocket: WebSocket as never });
  /** The text sent by each task (its continue-task messages joined), in order. */
  const taskTexts = new Map<string, string>();
  /** Tasks the client cancelled (`finish-task` with the cancel directive). */
  const cancelled: string[] = [];
  let opened = 0;
  const recording: Transport = {
    ...base,
    connect: async (handlers, signal) => {
      opened++;
      const socket = await base.connect(handlers, signal);
      return {
        reused: socket.reused,
        close: (code, reason) => socket.close(code, reason),
        send: (text) => {
          const message = JSON.parse(text) as { header: { action: string; task_id: string }; payload: { input?: { text?: string; directive?: string } } };
          if (message.header.action === 'finish-task' && message.payload.input?.directive === 'cancel') cancelled.push(message.header.task_id);
          if (message.header.action === 'run-task') taskTexts.set(message.header.task_id, '');
          if (message.header.action === 'continue-task') taskTexts.set(message.header.task_id, taskTexts.get(message.header.task_id)! + (message.payload.input?.text ?? ''));
          socket.send(text);
        },
      };
    },
  };
  const pool = new ConnectionPool({ ...recording });
  cleanup.push(() => pool.close());
  const controller = new ReadAloudController({
    transport: pool,
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true, speechRate: options.speechRate ?? 2 },
    createPlayer: () => createSilentPlayer({ format: FORMAT, realtime: options.realtime ?? true }),
    maxCharactersPerTask: options.maxCharactersPerTask,
    spareConnection: options.spareConnection,
    lookaheadCharacters: options.lookaheadCharacters,
  });
  cleanup.push(() => controller.release());
  return { controller, sent: () => [...taskTexts.values()], taskIds: () => [...taskTexts.keys()], cancelled: () => [...cancelled], opened: () => opened };
}

/** The tone engine, holding every sentence `held` picks until `release()` (or the task's abort). */
function holdingEngine(held: (text: string) => boolean) {
  const tone = createToneEngine();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  cleanup.push(() => release());
  const engine: SynthesisEngine = {
    name: 'holding tone',
    async synthesize(request, onAudio, signal) {
      if (held(request.text)) await Promise.race([gate, new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
      return tone.synthesize(request, onAudio, signal);
    },
  };
  return { engine, release: () => release() };
}

/** How many times each of `sentences` went out, over every task's text. */
function timesSent(texts: readonly string[], sentences: readonly string[]): number[] {
  return sentences.map((sentence) => texts.reduce((count, text) => count + text.split(sentence).length - 1, 0));
}

/** Resolves once `check` holds for the reading's snapshot (checked on every change). */
function until(controller: ReadAloudController, check: (snapshot: ReadAloudSnapshot) => boolean, timeoutMs = 20_000): Promise<ReadAloudSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      const { status, wordIndex, sentenceIndex } = controller.getReadingSnapshot();
      reject(new Error(`timed out; status ${status}, word ${wordIndex}, sentence ${sentenceIndex}`));
    }, timeoutMs);
    const test = () => {
      const snapshot = controller.getReadingSnapshot();
      if (!check(snapshot)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(snapshot);
    };
    const unsubscribe = controller.subscribeReading(test);
    test();
  });
}

/** Every heard word of the text (index into the reading's words) while the reading runs. */
function recordWords(controller: ReadAloudController) {
  const heard: number[] = [];
  const statuses: string[] = [];
  const unsubscribe = controller.subscribeReading(() => {
    const { wordIndex, status } = controller.getReadingSnapshot();
    if (wordIndex >= 0 && heard.at(-1) !== wordIndex) heard.push(wordIndex);
    if (statuses.at(-1) !== status) statuses.push(status);
  });
  cleanup.push(unsubscribe);
  return { heard, statuses };
}

const SENTENCES = Array.from({ length: 10 }, (_, i) => `Sentence ${['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'][i]} has a few words.`);
const TEXT = SENTENCES.join(' ');

describe('ReadAloudController', () => {
  it('reads a text to the end with the heard word and sentence as indexes into the text, in one task', async () => {
    const { controller, sent } = await setup({ realtime: false });
    controller.setText(TEXT);
    const { sentences, words } = controller.getReadingSnapshot();
    expect(sentences).toHaveLength(10);
    expect(TEXT.slice(sentences[3]!.start, sentences[3]!.end)).toBe(SENTENCES[3]);
    const record = recordWords(controller);
    controller.play();
    const ended = await until(controller, (s) => s.status === 'ended' || s.status === 'error');
    expect(ended.status).toBe('ended');
    expect(sent()).toEqual([TEXT]);
    expect(ended.tasks).toBe(1);
    expect(words.length).toBe(60);
    expect(record.statuses).not.toContain('idle');
  });

  it('seeking beyond the received audio starts a new task at that sentence; going back sends only the part never received and replays the rest from the kept audio', async () => {
    const { controller, sent } = await setup();
    controller.setText(TEXT);
    const { sentences, words } = controller.getReadingSnapshot();
    controller.play();
    // Nothing has arrived yet: sentence 6 is beyond what was received.
    expect(controller.seekToSentence(6)).toBe(true);
    const heard = await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0);
    expect(heard.sentenceIndex).toBe(6);
    expect(words[heard.wordIndex]!.start).toBe(sentences[6]!.start);
    expect(sent().at(-1)).toBe(TEXT.slice(sentences[6]!.start));
    const ended = await until(controller, (s) => s.status === 'ended' || s.status === 'error');
    expect(ended.status).toBe('ended');
    const tasksAfterFirstPass = ended.tasks;
    const sentBefore = sent().length;

    // Back to sentence 2: sentences 2–5 were never received, 6–9 were.
    const record = recordWords(controller);
    expect(controller.seekToSentence(2)).toBe(true);
    await until(controller, (s) => s.sentenceIndex === 8 && s.status === 'speaking', 30_000);
    expect(sent().length).toBe(sentBefore + 1);
    expect(sent().at(-1)).toBe(TEXT.slice(sentences[2]!.start, sentences[6]!.start));
    // Heard in order, across the switch from the new task to the kept audio.
    const heardSentences = [...new Set(record.heard.map((index) => words[index]!.sentenceIndex))];
    expect(heardSentences.slice(0, 7)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    for (let i = 1; i < record.heard.length; i++) expect(record.heard[i]).toBeGreaterThan(record.heard[i - 1]!);
    expect(record.statuses).not.toContain('ended');
    expect(controller.getReadingSnapshot().tasks).toBe(tasksAfterFirstPass + 1);

    // Back into audio that has arrived: no new task, heard from that sentence.
    expect(controller.seekToSentence(7)).toBe(true);
    const again = await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 7 && s.wordIndex >= 0);
    expect(words[again.wordIndex]!.sentenceIndex).toBe(7);
    expect(sent().length).toBe(sentBefore + 1);
    controller.stop();
    expect(controller.getReadingSnapshot().status).toBe('idle');
  });

  it('through createSynthesisProxy: a seek beyond the received audio is a new task on a spare warm connection, a seek back replays kept audio', async () => {
    const { controller, sent, opened } = await setup({ throughProxy: true });
    controller.setText(TEXT);
    const { sentences } = controller.getReadingSnapshot();
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0);
    expect(controller.seekToSentence(7)).toBe(true);
    const heard = await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 7 && s.wordIndex >= 0);
    expect(heard.tasks).toBe(2);
    expect(sent().at(-1)).toBe(TEXT.slice(sentences[7]!.start));
    // The first task goes on in the background and holds its socket to its end: the jump's task went
    // out on the spare socket kept warm while audio arrived.
    expect(controller.getSnapshot().metrics.connectionReused).toBe(true);
    await until(controller, (s) => s.status === 'ended');
    // Back to the start: played from the first task's audio, nothing asked for. (That this audio is
    // received to its end after the jump, rather than cut, is shown by the holding-engine tests below.)
    expect(controller.seekToSentence(0)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 0 && s.wordIndex >= 0);
    expect(controller.getReadingSnapshot().tasks).toBe(2);
    // The first task's socket, the spare the jump took, and the spare opened while its task ran; the
    // third task goes out on a warm one.
    expect(opened()).toBeLessThanOrEqual(3);
    controller.stop();
  });

  it('without a spare connection, the seek beyond the received audio opens at most one more socket', async () => {
    const { controller, sent, opened } = await setup({ throughProxy: true, spareConnection: false });
    controller.setText(TEXT);
    const { sentences } = controller.getReadingSnapshot();
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0);
    // Nothing is opened ahead while the first task's audio arrives.
    expect(opened()).toBe(1);
    expect(controller.seekToSentence(7)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 7 && s.wordIndex >= 0);
    expect(sent().at(-1)).toBe(TEXT.slice(sentences[7]!.start));
    await until(controller, (s) => s.status === 'ended');
    expect(controller.seekToSentence(0)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 0 && s.wordIndex >= 0);
    expect(opened()).toBeLessThanOrEqual(2);
    controller.stop();
  });

  it('a jump beyond the window still arriving lets that window finish in the background: going back replays it, and no sentence is sent twice', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `Window sentence ${i + 1} is read in its turn.`);
    // The first window's fourth sentence is held: its task is still arriving when the reader jumps.
    const holding = holdingEngine((piece) => piece.includes('sentence 4 '));
    const { controller, sent, taskIds, cancelled } = await setup({ lookaheadCharacters: 200, engine: holding.engine });
    controller.setText(text.join(' '));
    const { sentences } = controller.getReadingSnapshot();
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0);
    const firstWindow = sent()[0]!;
    expect(firstWindow).toContain(text[3]);
    expect(firstWindow).not.toContain(text[8]);
    expect(controller.seekToSentence(8)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 8 && s.wordIndex >= 0);
    // Not cancelled: its text is sent, and its audio comes to be kept.
    expect(cancelled()).not.toContain(taskIds()[0]);
    holding.release();
    await until(controller, (s) => s.status === 'ended' || s.status === 'error', 30_000);
    expect(controller.getReadingSnapshot().status).toBe('ended');
    const tasksBefore = controller.getReadingSnapshot().tasks;

    // The held sentence's audio arrived after the jump: it plays from what was kept, with no new task.
    const record = recordWords(controller);
    expect(controller.seekToSentence(3)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 4 && s.wordIndex >= 0, 30_000);
    expect(controller.getReadingSnapshot().tasks).toBe(tasksBefore);
    expect(new Set(record.heard.map((index) => controller.getReadingSnapshot().words[index]!.sentenceIndex))).toEqual(new Set([3, 4]));
    // Reading on reaches the sentences never sent (between the first window and the jump): asked for once.
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 5 && s.wordIndex >= 0, 30_000);
    expect(controller.getReadingSnapshot().tasks).toBe(tasksBefore + 1);
    expect(sent().at(-1)).toBe(text.slice(5, 8).join(' ') + ' ');
    expect(timesSent(sent(), text)).toEqual(text.map(() => 1));
    expect(sentences).toHaveLength(12);
    controller.stop();
  });

  it('one window finishes in the background at a time: a second jump cancels the first one\'s; a jump into a window still arriving re-sends it from there', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `Window sentence ${i + 1} is read in its turn.`);
    // Both windows stall: the first at its fourth sentence, the second (from sentence 9) at its third.
    const holding = holdingEngine((piece) => piece.includes('sentence 4 ') || piece.includes('sentence 11 '));
    const { controller, sent, taskIds, cancelled } = await setup({ lookaheadCharacters: 200, engine: holding.engine });
    controller.setText(text.join(' '));
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0);
    expect(controller.seekToSentence(8)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 8 && s.wordIndex >= 0);
    expect(controller.seekToSentence(11)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 11 && s.wordIndex >= 0);
    const [first, second, third] = taskIds();
    expect(cancelled()).toEqual([first]);
    expect(sent()[1]).toContain(text[11]);
    expect(sent()[2]).toBe(text[11]);
    // The third task runs, the second finishes in the background once its sentence is let through.
    holding.release();
    await until(controller, (s) => s.status === 'ended' || s.status === 'error', 30_000);
    expect(controller.getReadingSnapshot().status).toBe('ended');
    expect(cancelled()).not.toContain(second);
    expect(cancelled()).not.toContain(third);
    controller.stop();
  });

  it('stop cancels a window finishing in the background', async () => {
    const holding = holdingEngine((piece) => piece.includes('sentence 4 '));
    const { controller, taskIds, cancelled } = await setup({ lookaheadCharacters: 200, engine: holding.engine });
    controller.setText(Array.from({ length: 12 }, (_, i) => `Window sentence ${i + 1} is read in its turn.`).join(' '));
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0);
    expect(controller.seekToSentence(8)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 8 && s.wordIndex >= 0);
    expect(cancelled()).toEqual([]);
    controller.stop();
    expect(cancelled()).toEqual(taskIds());
  });

  it('forgets kept audio when the voice changes (going back requests it in the new voice), not when the same parameters come again', async () => {
    const { controller, sent } = await setup({ realtime: false });
    const defaults = { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true, speechRate: 2 } as const;
    controller.setText(TEXT);
    controller.play();
    await until(controller, (s) => s.status === 'ended');
    controller.setDefaults({ ...defaults });
    controller.seekToSentence(8);
    await until(controller, (s) => s.status === 'ended');
    expect(sent()).toHaveLength(1);
    controller.setDefaults({ ...defaults, voice: 'longanhuan' });
    controller.seekToSentence(8);
    await until(controller, (s) => s.status === 'ended');
    expect(sent()).toEqual([TEXT, TEXT.slice(controller.getReadingSnapshot().sentences[8]!.start)]);
  });

  it('a task that fails ends the reading in error with the typed error, and play starts it again', async () => {
    const { controller } = await setup({ realtime: false });
    controller.setDefaults({ model: 'cosyvoice-v3-flash', voice: 'no-such-voice', format: FORMAT, wordTimestampEnabled: true });
    controller.setText(TEXT);
    controller.play();
    const failed = await until(controller, (s) => s.status === 'error' || s.status === 'ended');
    expect(failed.status).toBe('error');
    expect(failed.error?.code).toBeTypeOf('string');
    controller.setDefaults({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: FORMAT, wordTimestampEnabled: true });
    controller.play();
    await expect(until(controller, (s) => s.status === 'ended' || s.status === 'error')).resolves.toMatchObject({ status: 'ended' });
  });

  it('next and previous sentence move by one sentence from the heard one', async () => {
    const { controller } = await setup();
    controller.setText(TEXT);
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 0 && s.wordIndex >= 0);
    expect(controller.nextSentence()).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 1 && s.wordIndex >= 0);
    expect(controller.nextSentence()).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === 2 && s.wordIndex >= 0);
    expect(controller.previousSentence()).toBe(true);
    const back = await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0 && s.sentenceIndex === 1);
    expect(back.words[back.wordIndex]!.sentenceIndex).toBe(1);
    controller.pause();
    await until(controller, (s) => s.status === 'paused');
    controller.play();
    await until(controller, (s) => s.status === 'speaking');
  });

  it('splits a text over the task limit into tasks at sentence boundaries, heard as one reading', async () => {
    const { controller, sent } = await setup({ maxCharactersPerTask: 100, realtime: false });
    controller.setText(TEXT);
    const record = recordWords(controller);
    controller.play();
    const ended = await until(controller, (s) => s.status === 'ended' || s.status === 'error');
    expect(ended.status).toBe('ended');
    const texts = sent();
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.join('')).toBe(TEXT);
    for (const text of texts) {
      expect(countCharacters(text)).toBeLessThanOrEqual(100);
      expect(text.trimEnd().endsWith('.')).toBe(true);
    }
    expect(ended.tasks).toBe(texts.length);
    // One reading: between its tasks it never went idle or ended.
    expect(record.statuses).not.toContain('idle');
    expect(record.statuses.filter((status) => status === 'ended')).toEqual(['ended']);
  });

  it('reads a 300 000-character document as one reading: the first task stops at a sentence boundary under 200 000, and a seek past it reads from there', async () => {
    // The task limit alone (no window), as a reading with `lookaheadCharacters: Infinity` sends.
    const { controller, sent } = await setup({ lookaheadCharacters: Infinity });
    const sentence = 'This long chapter goes on and on. ';
    const document = sentence.repeat(Math.ceil(300_000 / sentence.length));
    expect(countCharacters(document)).toBeGreaterThanOrEqual(300_000);
    controller.setText(document);
    controller.play();
    await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0, 30_000);
    const first = sent()[0]!;
    expect(countCharacters(first)).toBeLessThanOrEqual(200_000);
    expect(countCharacters(first)).toBeGreaterThan(200_000 - sentence.length);
    expect(document.startsWith(first)).toBe(true);
    const { sentences } = controller.getReadingSnapshot();
    const target = sentences.findIndex((s) => s.start >= 250_000);
    expect(controller.seekToSentence(target)).toBe(true);
    const there = await until(controller, (s) => s.status === 'speaking' && s.wordIndex >= 0 && s.sentenceIndex === target, 30_000);
    expect(there.sentenceIndex).toBe(target);
    expect(sent().at(-1)).toBe(document.slice(sentences[target]!.start));
    controller.stop();
  });

  it('refuses a window under one character, with the option named', () => {
    for (const lookaheadCharacters of [0, -5, Number.NaN]) {
      const transport = proxyTransport({ url: 'ws://127.0.0.1:9/', WebSocket: WebSocket as never });
      expect(() => new ReadAloudController({ transport, createPlayer: () => createSilentPlayer({ format: FORMAT }), lookaheadCharacters })).toThrow(
        expect.objectContaining({ code: 'InvalidOptions', field: 'lookaheadCharacters' }),
      );
    }
  });

  it('sends the text a window at a time, at sentence boundaries, and every character once', async () => {
    const { controller, sent } = await setup({ realtime: false, lookaheadCharacters: 200 });
    const text = Array.from({ length: 24 }, (_, i) => `Window sentence ${i + 1} is read in its turn.`).join(' ');
    controller.setText(text);
    const { sentences } = controller.getReadingSnapshot();
    controller.play();
    const ended = await until(controller, (s) => s.status === 'ended' || s.status === 'error', 30_000);
    expect(ended.status).toBe('ended');
    const windows = sent();
    expect(windows.length).toBeGreaterThan(3);
    expect(windows.join('')).toBe(text);
    let offset = 0;
    for (const window of windows) {
      expect(countCharacters(window)).toBeLessThanOrEqual(200);
      expect(sentences.some((sentence) => sentence.start === offset)).toBe(true);
      offset += window.length;
    }
    expect(ended.tasks).toBe(windows.length);
  });

  it('holds the next window while more than SYNTHESIS_AHEAD_MS of audio is left to hear, so a jump ahead re-sends nothing', async () => {
    const { controller, sent } = await setup({ lookaheadCharacters: 1500, speechRate: 1 });
    const text = Array.from({ length: 80 }, (_, i) => `This is sentence number ${i + 1} of a long article.`).join(' ');
    controller.setText(text);
    const { sentences } = controller.getReadingSnapshot();
    controller.play();
    await until(controller, (s) => s.status === 'speaking', 20_000);
    const firstWindow = sent()[0]!;
    expect(firstWindow.length).toBeLessThan(text.length);
    // The first window's audio has all arrived (its last word is in the timeline, in the text's offsets) while the reading plays.
    const lastWordOf = () => controller.getSnapshot().words.at(-1);
    const playing = await until(controller, (s) => s.status === 'speaking' && (lastWordOf()?.endIndex ?? 0) >= firstWindow.trimEnd().length - 1, 20_000);
    // The audio received reaches at least the end of its last word.
    const receivedMs = lastWordOf()!.endMs;
    expect(receivedMs - controller.getPositionMs()).toBeGreaterThan(SYNTHESIS_AHEAD_MS);
    expect(playing.tasks).toBe(1);
    // Speech updates come with every heard word; none of them sends the next window yet.
    await until(controller, (s) => s.wordIndex >= playing.wordIndex + 3, 20_000);
    expect(sent()).toHaveLength(1);
    const target = sentences.findIndex((sentence) => sentence.start >= firstWindow.length + 200);
    expect(controller.seekToSentence(target)).toBe(true);
    await until(controller, (s) => s.status === 'speaking' && s.sentenceIndex === target && s.wordIndex >= 0, 20_000);
    expect(sent()).toHaveLength(2);
    expect(sent()[1]!.startsWith(text.slice(sentences[target]!.start, sentences[target]!.end))).toBe(true);
    expect(text.indexOf(sent()[1]!)).toBeGreaterThanOrEqual(firstWindow.length);
    controller.stop();
  });
});
