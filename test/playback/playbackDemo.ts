// A small demo page: a sentence streamed in real-time-paced chunks (as the synthesizer's onData delivers
// them), played by createAudioPlayer, with each word highlighted while it is heard. The audio is a
// synthetic "voice" (one tone per word) so the demo needs no server; the glue is the same as for the
// real SpeechSynthesizer: reset → enqueue per chunk → setTimeline per sentence → endOfStream.
import { AudioFormat, WordTimeline, type WireWord } from 'cosyvoice-react/core';
import { createAudioPlayer, type AudioPlayerOptions, type Player } from 'cosyvoice-react/playback';

const RATE = 24000;
const SENTENCE = 'Words light up as you hear them.';

/** Word times as a `sentence-end` would carry them (ms from the sentence start). */
function wireWords(text: string, wordMs: number): WireWord[] {
  const out: WireWord[] = [];
  const re = /\S+/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text))) {
    const k = out.length;
    out.push({ text: match[0], beginIndex: match.index, endIndex: match.index + match[0].length, beginTime: k * wordMs, endTime: k * wordMs + wordMs - 40 });
  }
  return out;
}

/** One tone per word, a different pitch each, silence between words. */
function speech(words: WireWord[], totalMs: number): Uint8Array {
  const n = Math.round((totalMs / 1000) * RATE);
  const bytes = new Uint8Array(n * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const ms = (i / RATE) * 1000;
    const k = words.findIndex((w) => ms >= w.beginTime && ms < w.endTime);
    const value = k < 0 ? 0 : 0.3 * Math.sin((2 * Math.PI * (300 + 60 * k) * i) / RATE);
    view.setInt16(i * 2, Math.round(value * 32767), true);
  }
  return bytes;
}

export interface PlaybackDemo {
  root: HTMLElement;
  player: Player;
  button: HTMLButtonElement;
  /** Resolves when the sentence has been heard to the end. */
  finished: Promise<void>;
}

/** Mounts the demo into `container`; clicking "Play" streams and plays the sentence. */
export function mountPlaybackDemo(container: HTMLElement, options: AudioPlayerOptions & { wordMs?: number } = {}): PlaybackDemo {
  const wordMs = options.wordMs ?? 250;
  const player = createAudioPlayer({ format: AudioFormat.PCM_24000HZ_MONO_16BIT, ...options });
  const root = document.createElement('div');
  const text = document.createElement('p');
  const status = document.createElement('p');
  status.setAttribute('role', 'status');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Play';
  const style = document.createElement('style');
  style.textContent = '[data-active] { background: #ffe066; text-decoration: underline; }';
  const words = wireWords(SENTENCE, wordMs);
  let cursor = 0;
  words.forEach((w, k) => {
    text.append(SENTENCE.slice(cursor, w.beginIndex));
    const span = document.createElement('span');
    span.textContent = w.text;
    span.dataset.word = String(k);
    // Two listeners run per word change, whatever the length of the text.
    player.subscribeActiveWord(k, (active) => span.toggleAttribute('data-active', active));
    text.append(span);
    cursor = w.endIndex;
  });
  text.append(SENTENCE.slice(cursor));
  root.append(style, text, button, status);
  container.append(root);
  player.subscribe(() => {
    const { state } = player.getSnapshot();
    status.textContent = state === 'playing' ? 'Reading…' : state === 'paused' ? 'Paused' : state === 'ended' ? 'Finished' : state === 'error' ? 'Audio could not play' : '';
  });

  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  player.onEnded(() => resolveFinished());

  button.addEventListener('click', () => {
    player.unlock().catch(() => undefined); // synchronously inside the click
    player.reset();
    const totalMs = words.length * wordMs;
    const audio = speech(words, totalMs);
    const timeline = new WordTimeline();
    const chunkBytes = RATE * 2 * 0.1; // 100 ms chunks, delivered a little faster than real time
    let offset = 0;
    const timer = setInterval(() => {
      player.enqueue(audio.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
      if (offset >= audio.length) {
        clearInterval(timer);
        player.endOfStream();
      }
    }, 80);
    // In a real stream this is onSentence (sentence-end); a late timeline only delays the highlight.
    timeline.addSentence({ text: SENTENCE, audioOffsetMs: 0, words });
    player.setTimeline(timeline);
  });
  return { root, player, button, finished };
}
