// The page that test/reliability/slowAudioDevice.firefox-pulse.test.ts loads in Firefox (bundled by the
// test with Vite): a SpeakButton and a KaraokeText sharing one reading, and a record of everything the
// test checks, on `window.__reading`. The query string gives the voice server's URL, the text, and
// `speakOnLoad` to start reading as the page loads (without a user gesture).
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { KaraokeText, SpeakButton, SpeechProvider, useSpeechSynthesis } from 'cosyvoice-react';
import { proxyTransport } from 'cosyvoice-react/core';
import { createAudioPlayer } from 'cosyvoice-react/playback';
import { speechControllerSource } from '../../src/hooks/internal/speechControllerSource';

/** What the page reports to the test. */
export interface ReadingRecord {
  statuses: string[];
  activeWords: number[];
  errorCode: string | undefined;
  errorMessage: string | undefined;
  errorsReported: number;
  utterance: number | undefined;
  isComplete: boolean;
  /** When the newest AudioContext started running, on performance.now(). */
  contextRunningAt: number | undefined;
  firstPackageDelayMs: number | undefined;
  timeToFirstAudioMs: number | undefined;
  autoplayPolicy: string | undefined;
}

declare global {
  interface Window {
    __reading: ReadingRecord;
  }
}

const params = new URLSearchParams(location.search);
const text = params.get('text') ?? 'One two three four five six.';
// Far below any real device's start (0.5–2 s here): a check that treated a slow start as a block would fail every run.
const UNLOCK_TIMEOUT_MS = 100;

const record: ReadingRecord = {
  statuses: [],
  activeWords: [],
  errorCode: undefined,
  errorMessage: undefined,
  errorsReported: 0,
  utterance: undefined,
  isComplete: false,
  contextRunningAt: undefined,
  firstPackageDelayMs: undefined,
  timeToFirstAudioMs: undefined,
  autoplayPolicy: (navigator as Navigator & { getAutoplayPolicy?(type: string): string }).getAutoplayPolicy?.('audiocontext'),
};
window.__reading = record;

/** Each reading gets a fresh AudioContext (so each pays the device's start), watched for when it runs. */
function createContext(): AudioContext {
  const context = new AudioContext({ latencyHint: 'interactive' });
  context.addEventListener('statechange', () => {
    if (context.state === 'running') record.contextRunningAt ??= performance.now();
  });
  return context;
}

function Reader() {
  const speech = useSpeechSynthesis({ onError: () => (record.errorsReported += 1) });
  if (record.statuses.at(-1) !== speech.status) record.statuses.push(speech.status);
  if (speech.activeWordIndex >= 0 && !record.activeWords.includes(speech.activeWordIndex)) record.activeWords.push(speech.activeWordIndex);
  record.errorCode = speech.error?.code;
  record.errorMessage = speech.error?.message;
  record.utterance = speech.utterance;
  record.isComplete = speech.isComplete;
  record.firstPackageDelayMs = speech.metrics.firstPackageDelayMs;
  record.timeToFirstAudioMs = speech.metrics.timeToFirstAudioMs;
  useEffect(() => {
    if (params.has('speakOnLoad')) speech.speak(text);
    // Once, as the page loads.
  }, []);
  return (
    <main>
      <SpeakButton text={text} speech={speech} />
      <KaraokeText text={text} speech={speech} />
    </main>
  );
}

// With speakOnLoad, the speech engine (loaded on first intent) is here before the page speaks: its
// resume() then runs only as the page loads, never later inside the transient activation that the test's
// own page.evaluate calls give the page (WebDriver BiDi), which Firefox would let start the audio.
const engineReady = params.has('speakOnLoad') ? speechControllerSource.preload() : Promise.resolve();

void engineReady.then(() => createRoot(document.getElementById('root')!).render(
  <SpeechProvider
    transport={proxyTransport({ url: params.get('server')! })}
    model="cosyvoice-v3-flash"
    voice="longanyang"
    wordTimestampEnabled
    createPlayer={() => createAudioPlayer({ createContext, unlockTimeoutMs: UNLOCK_TIMEOUT_MS })}
  >
    <Reader />
  </SpeechProvider>,
));
