// The espeak engine's worker lifecycle: it recovers after its worker dies, and close() settles every
// request. The real worker runs; the Worker class is only wrapped so the test can reach (and kill) it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { createEspeakEngine, isEspeakAvailable, type EngineRequest } from 'cosyvoice-react/server';

const workers = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class RecordedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      workers.push(this);
    }
  }
  return { ...actual, default: { ...actual, Worker: RecordedWorker }, Worker: RecordedWorker };
});

const request = (text: string): EngineRequest => ({ text, language: 'en', speechRate: 1, pitchRate: 1, seed: 0, sampleRate: 22050 });
const LONG = 'This sentence is long enough to keep espeak busy for a little while, one word after another. '.repeat(20);

let engine: ReturnType<typeof createEspeakEngine> | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  workers.length = 0;
});

describe.skipIf(!isEspeakAvailable())('espeak engine lifecycle', () => {
  it('recovers after its worker dies: the next request starts a new worker and speaks', async () => {
    engine = createEspeakEngine();
    const words = await engine.synthesize(request('Before the crash.'), () => undefined, new AbortController().signal);
    expect(words.map((w) => w.text)).toEqual(['Before', 'the', 'crash']);
    expect(workers).toHaveLength(1);

    // Killed mid-request: that request fails with the reason…
    let heard = 0;
    const inFlight = engine.synthesize(request(LONG), () => heard++, new AbortController().signal);
    inFlight.catch(() => undefined);
    await vi.waitFor(() => expect(heard).toBeGreaterThan(0), { timeout: 10_000 });
    await workers[0]!.terminate();
    await expect(inFlight).rejects.toThrow(/espeak worker exited/);

    // …and the engine is not stuck on it: a new worker speaks the next one.
    const after = await engine.synthesize(request('After the crash.'), () => undefined, new AbortController().signal);
    expect(after.map((w) => w.text)).toEqual(['After', 'the', 'crash']);
    expect(workers).toHaveLength(2);
    await expect(engine.ready).resolves.toBeUndefined();
  });

  it('close() rejects the request in flight and the queued ones, and the worker is gone', async () => {
    engine = createEspeakEngine();
    let heard = 0;
    const inFlight = engine.synthesize(request(LONG), () => heard++, new AbortController().signal);
    const queued = engine.synthesize(request('Queued behind it.'), () => undefined, new AbortController().signal);
    const settled = Promise.allSettled([inFlight, queued]);
    await vi.waitFor(() => expect(heard).toBeGreaterThan(0), { timeout: 10_000 });
    await engine.close();
    const [first, second] = await settled;
    expect(first).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'espeak engine closed' }) });
    expect(second).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'espeak engine closed' }) });
    // The queued request did not start a worker of its own.
    expect(workers).toHaveLength(1);
    expect(workers[0]!.threadId).toBe(-1);
  });

  it('close() before the worker is ready settles warm-up too', async () => {
    engine = createEspeakEngine();
    const warming = (engine as unknown as { warmUp(): Promise<void> }).warmUp();
    const pending = engine.synthesize(request('Never spoken.'), () => undefined, new AbortController().signal);
    const settled = Promise.allSettled([warming, pending]);
    await engine.close();
    for (const outcome of await settled) expect(outcome).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'espeak engine closed' }) });
  });
});
