// Page for bench/warm-paths.bench.mjs: useSpeechSynthesis under a SpeechProvider (its own connection pool,
// the real Web Audio player) in a production React build, speaking to a local voice server through a
// delayed link. Each scenario mounts a fresh provider where a cold one is needed.
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { AudioFormat, SpeechProvider, proxyTransport, useSpeechSynthesis, type UseSpeechSynthesisResult } from 'cosyvoice-react';

const FORMAT = AudioFormat.PCM_16000HZ_MONO_16BIT;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Mounted {
  speech(): UseSpeechSynthesisResult;
  /** Wall times (performance.now) of onStart / onEnd, in order. */
  starts: number[];
  ends: number[];
  unmount(): void;
}

function mount(url: string): Mounted {
  let latest: UseSpeechSynthesisResult | undefined;
  const starts: number[] = [];
  const ends: number[] = [];
  function Probe() {
    latest = useSpeechSynthesis({ onStart: () => starts.push(performance.now()), onEnd: () => ends.push(performance.now()) });
    return null;
  }
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  // A transport made once per mount: the provider's pool starts empty (a cold first speak).
  const transport = proxyTransport({ url });
  flushSync(() =>
    root.render(
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang" format={FORMAT}>
        <Probe />
      </SpeechProvider>,
    ),
  );
  return {
    speech: () => latest!,
    starts,
    ends,
    unmount() {
      root.unmount();
      container.remove();
    },
  };
}

/** Resolves once the hook shows an utterance after `after` that ended (or failed: then it throws). */
async function settled(mounted: Mounted, after: number, text?: string): Promise<UseSpeechSynthesisResult> {
  for (let waited = 0; waited < 20_000; waited += 5) {
    const speech = mounted.speech();
    if (speech.utterance > after && (text === undefined || speech.text === text)) {
      if (speech.status === 'ended') return speech;
      if (speech.status === 'error') throw new Error(`${speech.error?.code}: ${speech.error?.message}`);
    }
    await sleep(5);
  }
  throw new Error(`timed out in status ${mounted.speech().status}`);
}

/** Speaks `text`; resolves to ms from speak to the first audio frame (the metric), and whether the socket was reused. */
async function speakOnce(mounted: Mounted, text: string) {
  const before = mounted.speech().utterance;
  mounted.speech().speak(text);
  const speech = await settled(mounted, before);
  return { ms: speech.metrics.firstPackageDelayMs!, reused: speech.metrics.connectionReused };
}

declare global {
  interface Window {
    measureCold(url: string, text: string): Promise<{ ms: number; reused: boolean | undefined }>;
    measurePreconnected(url: string, text: string): Promise<{ ms: number; reused: boolean | undefined }>;
    measureRepeat(url: string, text: string, reps: number): Promise<Array<{ ms: number; reused: boolean | undefined }>>;
    measureQueueGap(url: string, first: string, second: string): Promise<{ gapMs: number; timeToFirstAudioMs: number | undefined; reused: boolean | undefined }>;
  }
}

window.measureCold = async (url, text) => {
  const mounted = mount(url);
  try {
    return await speakOnce(mounted, text);
  } finally {
    mounted.unmount();
  }
};

window.measurePreconnected = async (url, text) => {
  const mounted = mount(url);
  try {
    if (!(await mounted.speech().preconnect())) throw new Error('preconnect failed');
    return await speakOnce(mounted, text);
  } finally {
    mounted.unmount();
  }
};

window.measureRepeat = async (url, text, reps) => {
  const mounted = mount(url);
  try {
    await speakOnce(mounted, text);
    const results = [];
    for (let i = 0; i < reps; i++) results.push(await speakOnce(mounted, text));
    return results;
  } finally {
    mounted.unmount();
  }
};

window.measureQueueGap = async (url, first, second) => {
  const mounted = mount(url);
  try {
    // Warm the socket, so both utterances run on it as in a conversation.
    await speakOnce(mounted, first);
    const before = mounted.speech().utterance;
    const startsBefore = mounted.starts.length;
    mounted.speech().speak(first);
    mounted.speech().speak(second, { queue: 'append' });
    const speech = await settled(mounted, before + 1, second);
    const firstEnded = mounted.ends[mounted.ends.length - 2]!;
    const secondStarted = mounted.starts[startsBefore + 1]!;
    return { gapMs: secondStarted - firstEnded, timeToFirstAudioMs: speech.metrics.timeToFirstAudioMs, reused: speech.metrics.connectionReused };
  } finally {
    mounted.unmount();
  }
};
