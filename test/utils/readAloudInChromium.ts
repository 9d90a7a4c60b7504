import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium through playwright-core (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000,
  });
}

/** What a page did while it was open: console errors and warnings, uncaught errors, failed requests, scripts it loaded. */
export interface PageRecord {
  page: Page;
  problems: string[];
  scripts: Array<{ url: string; body: string }>;
}

// Runs in the page before the app (a plain string: the test runner's transform must not touch it).
// It taps whatever reaches the speakers (an AnalyserNode beside every connection to the destination)
// and keeps the loudest sample; it logs every change of the reading's state and of the highlighted
// word, with the AudioContext's state at each word.
const AUDIT_SCRIPT = `(() => {
  const audit = { peak: 0, contexts: [], contextStates: [], events: [] };
  window.__audit = audit;
  if (window.__withoutWebCodecs) {
    delete window.AudioDecoder;
    delete window.EncodedAudioChunk;
  }
  const connect = AudioNode.prototype.connect;
  const tapped = new WeakSet();
  AudioNode.prototype.connect = function (...args) {
    if (args[0] instanceof AudioDestinationNode && !tapped.has(this)) {
      tapped.add(this);
      if (!audit.contexts.includes(this.context)) audit.contexts.push(this.context);
      const analyser = this.context.createAnalyser();
      analyser.fftSize = 2048;
      connect.call(this, analyser);
      const samples = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        for (const sample of samples) audit.peak = Math.max(audit.peak, Math.abs(sample));
      }, 10);
    }
    return connect.apply(this, args);
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      const element = mutation.target;
      if (mutation.attributeName === 'data-state' && element.classList.contains('cosyvoice-read-aloud')) {
        audit.events.push({ kind: 'state', value: element.getAttribute('data-state') });
      } else if (mutation.attributeName === 'data-active' && element.hasAttribute('data-active')) {
        audit.events.push({ kind: 'word', value: element.getAttribute('data-word-index') });
        for (const context of audit.contexts) audit.contextStates.push(context.state);
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state', 'data-active'] });
})();`;

/**
 * Opens a page that records what the tests check afterwards (see {@link readAloud}).
 * `withoutWebCodecs` removes `AudioDecoder` before the app runs, as in a browser that lacks it.
 */
export async function openRecordedPage(browser: Browser, options: { withoutWebCodecs?: boolean } = {}): Promise<PageRecord> {
  const page = await browser.newPage();
  const record: PageRecord = { page, problems: [], scripts: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') record.problems.push(`console.${message.type()}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => record.problems.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) record.problems.push(`HTTP ${response.status()}: ${response.url()}`);
    if (response.request().resourceType() !== 'script') return;
    response.text().then(
      (body) => record.scripts.push({ url: response.url(), body }),
      () => undefined,
    );
  });
  await page.addInitScript(`window.__withoutWebCodecs = ${options.withoutWebCodecs ? 'true' : 'false'};\n${AUDIT_SCRIPT}`);
  return record;
}

/** What one reading did, from the press of "Read aloud" to its end. */
export interface Reading {
  /** Every `data-state` the read-aloud block went through, in order. */
  states: string[];
  /** The highlighted word's index each time it changed, in order. */
  words: number[];
  /** The number of words in the text. */
  wordCount: number;
  /** The loudest sample that reached the speakers (0 to 1). */
  peak: number;
  /** The AudioContext's state at each change of the highlighted word. */
  contextStates: string[];
}

/**
 * Waits until React has hydrated the read-aloud button (a click before that would be lost), presses
 * it, and follows the reading to its end.
 */
export async function readAloud(page: Page, timeoutMs = 30_000): Promise<Reading> {
  const button = page.locator('.cosyvoice-read-aloud').getByRole('button', { name: 'Read aloud' });
  await step(page, 'waiting for the "Read aloud" button', button.waitFor({ timeout: timeoutMs }));
  await step(
    page,
    'waiting for React to hydrate the "Read aloud" button',
    page.waitForFunction(
      () => {
        const element = document.querySelector('.cosyvoice-read-aloud button');
        return element !== null && Object.keys(element).some((key) => key.startsWith('__reactProps'));
      },
      undefined,
      { timeout: timeoutMs },
    ),
  );
  await step(page, 'clicking "Read aloud"', button.click({ timeout: timeoutMs }));
  await step(
    page,
    'waiting for the reading to end',
    page.waitForFunction(
      () => {
        const state = document.querySelector('.cosyvoice-read-aloud')?.getAttribute('data-state');
        return state === 'ended' || state === 'error';
      },
      undefined,
      { timeout: timeoutMs, polling: 50 },
    ),
  );
  return currentReading(page);
}

function currentReading(page: Page): Promise<Reading> {
  return page.evaluate(() => {
    const audit = (window as unknown as { __audit: { peak: number; contextStates: string[]; events: Array<{ kind: string; value: string }> } }).__audit;
    return {
      states: audit.events.filter((event) => event.kind === 'state').map((event) => event.value),
      words: audit.events.filter((event) => event.kind === 'word').map((event) => Number(event.value)),
      wordCount: document.querySelectorAll('.cosyvoice-read-aloud [data-word-index]').length,
      peak: audit.peak,
      contextStates: audit.contextStates,
    };
  });
}

/**
 * Runs one step of a reading; when it fails (a timeout, mostly), the error names the step and says
 * how far the reading got, so a stuck run in CI tells where it stuck.
 */
async function step<T>(page: Page, what: string, action: Promise<T>): Promise<T> {
  try {
    return await action;
  } catch (error) {
    const sofar = await Promise.race([
      currentReading(page).then(
        (reading) => `states ${reading.states.join(' → ') || '(none)'}; words ${reading.words.join(',') || '(none)'}; peak ${reading.peak.toFixed(3)}; AudioContext at each word ${reading.contextStates.join(',') || '(none)'}`,
        (reason: unknown) => `the page did not answer (${reason instanceof Error ? reason.message.split('\n')[0] : String(reason)})`,
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('the page did not answer within 5 s'), 5_000)),
    ]);
    throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}\nreading so far: ${sofar}`, { cause: error });
  }
}

/**
 * The checks every example app's reading must pass: it ran to its end, sound reached the speakers
 * from a running AudioContext, the highlight moved forward through the text, and the page logged no
 * error or warning (React's hydration warnings included) and no request failed.
 */
export function expectReadAloud(reading: Reading, record: PageRecord): void {
  // From connecting to the end; a busy machine may starve the player into 'buffering' and back.
  expect(reading.states[0]).toBe('connecting');
  expect(reading.states.at(-1), `the reading ended (states: ${reading.states.join(' → ')})`).toBe('ended');
  expect(reading.states).toContain('speaking');
  expect(reading.states.filter((state) => !['connecting', 'buffering', 'speaking', 'ended'].includes(state))).toEqual([]);
  expect(reading.peak, 'sound reached the speakers').toBeGreaterThan(0.05);
  expect(reading.contextStates.length).toBeGreaterThanOrEqual(3);
  expect(new Set(reading.contextStates), 'the AudioContext ran while words were heard').toEqual(new Set(['running']));
  // Forward through the text; a busy machine may skip a word between two renders.
  expect(reading.words.length).toBeGreaterThanOrEqual(3);
  expect(reading.words).toEqual([...reading.words].sort((a, b) => a - b));
  expect(new Set(reading.words).size).toBe(reading.words.length);
  expect(Math.max(...reading.words)).toBeGreaterThanOrEqual(reading.wordCount / 2);
  expect(record.problems, 'no console errors or warnings, no failed requests').toEqual([]);
}

/** Opens `url` in a recorded page, reads aloud and closes the page. */
export async function readAloudAt(browser: Browser, url: string, options: { withoutWebCodecs?: boolean; timeoutMs?: number } = {}): Promise<{ reading: Reading; record: PageRecord }> {
  const record = await openRecordedPage(browser, options);
  try {
    // A development server compiles the page on its first request: give it the same slack.
    await step(record.page, `opening ${url}`, record.page.goto(url, { timeout: options.timeoutMs ?? 90_000 }));
    const reading = await readAloud(record.page, options.timeoutMs ?? 60_000);
    return { reading, record };
  } catch (error) {
    if (record.problems.length === 0) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nthe page logged: ${record.problems.join('\n  ')}`, { cause: error });
  } finally {
    await record.page.close();
  }
}
