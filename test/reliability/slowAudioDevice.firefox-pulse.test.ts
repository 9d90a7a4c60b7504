// Issue 13's false "audio blocked", in Firefox ESR with a real audio device: a private PulseAudio null
// sink (test/browsers/pulseAudioSink.ts), no mock backend, no autoplay preferences. The click is a
// trusted one made by the driver (WebDriver BiDi input actions), and the AudioContext takes the device's
// real start-up time (0.5–2 s after resume() here). The player's unlock timeout is set far below that
// (100 ms, in the harness page), so the check does not depend on how slow the device is on a given run:
// before the fix, every run failed with AudioBlocked (with the default 1 500 ms, about half of them did).
//
// Driven from Node rather than in vitest's browser mode: with a PulseAudio device, Firefox ESR's own audio
// code sometimes deadlocks in its parent process (the AudioIPC server thread waits on PulseAudio's
// mainloop lock while the mainloop thread waits on it: a Firefox defect, in native code this library
// cannot reach). Every page of that browser then stops answering, and in browser mode the whole test run
// waited for it forever. Here each test has its own Firefox and PulseAudio; a page that stops answering
// is checked for exactly that deadlock, which is reported and retried in a fresh browser (up to a dozen browsers);
// any other hang fails the test.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { build, type Rollup } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLocalVoiceServer } from 'cosyvoice-react/server';
import { sourceAliases } from '../../.storybook/aliases';
import { launchFirefox } from '../browsers/firefoxProvider';
import { startPulseAudioSink, type PulseAudioSink } from '../browsers/pulseAudioSink';
import type { ReadingRecord } from './slowAudioDevice.harness';

const TEXT = 'One two three four five six.';
const BLOCKED_TEXT = 'Blocked at first, heard in the end.';
/** How long a page may take to answer a script (or a click) before the test fails as hung. */
const UNRESPONSIVE_MS = 60_000;
/** Samples, a second apart, of the deadlock's signature while a page does not answer, that make it the deadlock. */
const DEADLOCK_SAMPLES = 3;
/**
 * The deadlock struck about half the browsers that started a device from a click here, always while the
 * device was starting (rarely where the reading had been blocked first, but there too on a busy machine),
 * up to six in a row on a busy machine. It is found within seconds and a fresh browser costs ~3 s, so a
 * dozen are cheap.
 * (Not the trigger, tried here: the context made at load instead of in the click, the first audio held
 * back until the device ran, the AudioWorklet added before, during or after the start, PulseAudio
 * without realtime scheduling or shared-memory ring buffers, Firefox's other PulseAudio backend.)
 */
const ATTEMPTS = 12;

let voiceServer: ReturnType<typeof createLocalVoiceServer>;
let voiceServerUrl: string;
let pageServer: http.Server;
let pageUrl: string;

beforeAll(async () => {
  voiceServer = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
  voiceServerUrl = await voiceServer.listen();
  const files = await bundleHarness();
  pageServer = http.createServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.slice(1);
    if (name === '') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Slow audio device</title></head><body><div id="root"></div><script type="module" src="/harness.js"></script></body></html>');
    } else if (files.has(name)) {
      response.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' });
      response.end(files.get(name));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => pageServer?.close(resolve));
  await voiceServer?.close();
});

/** The harness page and its chunks, bundled in memory from the library's sources. */
async function bundleHarness(): Promise<Map<string, string | Uint8Array>> {
  const output = await build({
    configFile: false,
    mode: 'production',
    // Its warnings are about react-query's "use client" directives, which a plain page does not need.
    logLevel: 'error',
    resolve: { alias: sourceAliases },
    // vitest runs with NODE_ENV=test, which would select React's development JSX runtime.
    oxc: { jsx: { runtime: 'automatic', development: false } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: false,
      lib: { entry: path.join(import.meta.dirname, 'slowAudioDevice.harness.tsx'), formats: ['es'], fileName: 'harness' },
    },
  });
  const outputs = (Array.isArray(output) ? output : [output]) as Rollup.RollupOutput[];
  const files = new Map<string, string | Uint8Array>();
  for (const item of outputs.flatMap((result) => result.output)) files.set(item.fileName, item.type === 'chunk' ? item.code : item.source);
  if (!files.has('harness.js')) throw new Error(`The harness bundle has no harness.js (got ${[...files.keys()].join(', ')})`);
  return files;
}

/** The known Firefox defect, told apart from any other hang. */
class FirefoxAudioDeadlock extends Error {}

/**
 * Whether Firefox's parent process shows the audio deadlock: its AudioIPC server thread blocked on a
 * priority-inheritance mutex (PulseAudio's mainloop lock). Read from /proc, the kernel's own view.
 */
function showsAudioDeadlock(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).some((thread) => {
      const name = readFileSync(`/proc/${pid}/task/${thread}/comm`, 'utf8').trim();
      const waitingIn = readFileSync(`/proc/${pid}/task/${thread}/wchan`, 'utf8').trim();
      return name.startsWith('AudioIP') && waitingIn.startsWith('rt_mutex');
    });
  } catch {
    return false;
  }
}

/**
 * `work` (a script in the page, a click), or an error that says why the page did not answer: the audio
 * deadlock when Firefox shows it on three samples a second apart, any other hang after a minute.
 */
async function answer<T>(pid: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setInterval> | undefined;
  const startedAt = Date.now();
  let deadlockedSamples = 0;
  const unanswered = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      deadlockedSamples = showsAudioDeadlock(pid) ? deadlockedSamples + 1 : 0;
      if (deadlockedSamples >= DEADLOCK_SAMPLES) {
        const seen = lastRecord ? `; the page last showed ${lastRecord.statuses.join(' → ')}` : '';
        reject(new FirefoxAudioDeadlock(`Firefox's audio deadlocked in its parent process (pid ${pid}), and the page stopped answering${seen}`));
      } else if (Date.now() - startedAt > UNRESPONSIVE_MS) {
        reject(new Error(`The page has not answered for ${UNRESPONSIVE_MS / 1000} s, and Firefox shows no audio deadlock`));
      }
    }, 1_000);
  });
  try {
    return await Promise.race([work, unanswered]);
  } finally {
    clearInterval(timer);
  }
}

/** The page's record as last read (for the report when the page stops answering). */
let lastRecord: ReadingRecord | undefined;

async function readRecord(page: Page, pid: number): Promise<ReadingRecord> {
  lastRecord = await answer(pid, page.evaluate(() => structuredClone(window.__reading)));
  return lastRecord;
}

/**
 * Reads `read()` from the page every 100 ms until `done` holds for it, or `timeoutMs` passes; returns the
 * last value read either way (the caller's assertions say what was wrong).
 */
async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Reads from the page's DOM (the status region, a button's state). */
function readDom<T>(page: Page, pid: number, read: () => T): Promise<T> {
  return answer(pid, page.evaluate(read) as Promise<T>);
}

/** A trusted click (WebDriver BiDi input actions) at the centre of the button named `name`. */
async function clickButton(page: Page, pid: number, name: string): Promise<void> {
  const point = await answer(pid, page.evaluate((wanted) => {
    const button = [...document.querySelectorAll<HTMLElement>('button, [role="button"]')].find(
      (element) => (element.getAttribute('aria-label') ?? element.textContent ?? '').trim() === wanted,
    );
    if (!button) return undefined;
    const box = button.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }, name));
  if (!point) throw new Error(`No button named "${name}" on the page`);
  await answer(pid, page.mouse.click(point.x, point.y));
}

/**
 * Runs `scenario` in a fresh Firefox with a fresh PulseAudio null sink, on the harness page with `query`
 * (`text`, `speakOnLoad`); retried in a fresh pair only when Firefox's audio deadlocked.
 */
async function inFirefoxWithDevice(query: Record<string, string>, scenario: (page: Page, pid: number) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const sink: PulseAudioSink = await startPulseAudioSink();
    lastRecord = undefined;
    let browser: Browser | undefined;
    try {
      browser = await launchFirefox({ audioOutput: 'system', autoplay: false, env: { ...process.env, PULSE_SERVER: sink.server } });
      const pid = browser.process()?.pid;
      if (pid === undefined) throw new Error('Firefox has no process id');
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      await page.goto(`${pageUrl}?${new URLSearchParams({ server: voiceServerUrl, ...query })}`);
      await page.waitForSelector('main button', { timeout: 20_000 }).catch((error: Error) => {
        throw new Error(`The harness page did not render: ${problems.join('; ') || error.message}`);
      });
      await scenario(page, pid);
      return;
    } catch (error) {
      if (!(error instanceof FirefoxAudioDeadlock) || attempt === ATTEMPTS) throw error;
      console.warn(`${error.message}; a Firefox defect, not this library's: attempt ${attempt + 1} of ${ATTEMPTS} in a fresh browser.`);
    } finally {
      await closeBrowser(browser);
      await sink.close();
    }
  }
}

/** Closes Firefox, and kills it when it does not close (a deadlocked one may not). */
async function closeBrowser(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  const closed = browser.close().then(
    () => true,
    () => false,
  );
  const inTime = await Promise.race([closed, new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000))]);
  if (!inTime) browser.process()?.kill('SIGKILL');
}

// A real autoplay block first: speech started without a gesture is blocked by Firefox's own policy. The
// reading is kept (synthesis goes on, the status says why); a click on a word then plays the same reading,
// and the status, the highlight and the status region follow it (the issue: the button stayed in `error`
// while audio played).
it('speech started without a gesture is blocked by Firefox; a click on a word plays that reading and everything follows', async () => {
  // Started by the page itself as it loads: a script the driver runs would carry user activation (BiDi).
  await inFirefoxWithDevice({ text: BLOCKED_TEXT, speakOnLoad: 'yes' }, async (page, pid) => {
    const before = await readRecord(page, pid);
    expect(before.autoplayPolicy, 'no click may precede this test in its page').toBe('disallowed');
    const blocked = await waitFor(() => readRecord(page, pid), (record) => record.statuses.at(-1) === 'error' && record.isComplete, 20_000);
    expect(blocked.statuses.at(-1)).toBe('error');
    expect(blocked.errorCode).toBe('AudioBlocked');
    expect(blocked.errorMessage).toMatch(/autoplay policy/);
    // Kept: all the audio arrives while the output waits for a gesture.
    expect(blocked.isComplete).toBe(true);
    const statusRegion = () => readDom(page, pid, () => document.querySelector('[role="status"]')?.textContent ?? '');
    expect(await waitFor(statusRegion, (text) => text.includes('Could not read aloud'), 10_000)).toMatch(/Could not read aloud/);

    await clickButton(page, pid, 'Blocked');
    const heard = await waitFor(() => readRecord(page, pid), (record) => record.statuses.at(-1) === 'ended', 30_000);
    const detail = JSON.stringify(heard);
    expect(heard.statuses.at(-1), detail).toBe('ended');
    expect(heard.utterance, detail).toBe(blocked.utterance);
    expect(heard.errorCode, detail).toBeUndefined();
    expect(heard.statuses, detail).toContain('speaking');
    expect(heard.activeWords.length, detail).toBeGreaterThan(0);
    expect(heard.errorsReported, detail).toBe(1);
    expect(await waitFor(statusRegion, (text) => text === 'Finished reading', 10_000)).toBe('Finished reading');
    const readAloudState = () => readDom(page, pid, () => [...document.querySelectorAll('button')].find((button) => button.textContent?.trim() === 'Read aloud')?.getAttribute('data-state'));
    expect(await waitFor(readAloudState, (state) => state === 'ended', 10_000)).toBe('ended');
  });
});

// One run is enough: with the unlock timeout at 100 ms, every real device start is "slow".
it('a trusted click on a real (slow-starting) device reads to the end, never "audio blocked"', async () => {
  await inFirefoxWithDevice({ text: TEXT }, async (page, pid) => {
    const clickedAt = await answer(pid, page.evaluate(() => performance.now()));
    await clickButton(page, pid, 'Read aloud');
    const record = await waitFor(() => readRecord(page, pid), (state) => state.statuses.at(-1) === 'ended' || state.statuses.at(-1) === 'error', 30_000);
    const deviceStartMs = record.contextRunningAt === undefined ? undefined : Math.round(record.contextRunningAt - clickedAt);
    const detail = `states ${record.statuses.join(' → ')}, error ${record.errorCode ?? 'none'}; device ran ${deviceStartMs} ms after the click, first audio frame ${record.firstPackageDelayMs} ms, first sound ${Math.round(record.timeToFirstAudioMs ?? -1)} ms after speak`;
    console.info(detail);
    expect(record.errorCode, detail).toBeUndefined();
    expect(record.statuses.at(-1), detail).toBe('ended');
    expect(record.statuses, detail).not.toContain('error');
    // Synthesis did not wait for the device, and what was heard starts at its first sample once it ran.
    expect(record.timeToFirstAudioMs, detail).toBeGreaterThan(0);
  });
});
