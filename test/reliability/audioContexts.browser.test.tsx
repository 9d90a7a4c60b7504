// Real AudioContexts in Chromium: the hooks with the provider's default Web Audio player
// (`createAudioPlayer`) must close every context they create once the component unmounts, whatever
// the flow (played to the end, stopped, unmounted mid-speech, cancelled stream, failed connection,
// StrictMode, a socket dropped or a task failed while audio plays). The AudioContext constructor is
// wrapped for this file to count instances and close().
// The peer is mostly an in-page DashScope-shaped server over memoryTransport, which the test can break
// at the moment it chooses: what is under test is the audio output's lifecycle, not the network. A
// task the service refuses comes from the local voice server the browser project's global setup runs
// on 127.0.0.1.
import { StrictMode, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { SpeechProvider, proxyTransport, useSpeechSynthesis, useStreamingSynthesis, type UseSpeechSynthesisResult, type UseStreamingSynthesisResult } from 'cosyvoice-react';
import { AudioFormat, memoryTransport, type MemoryPeer, type Transport } from 'cosyvoice-react/core';

// The local voice server (tone engine) the browser project's global setup starts on 127.0.0.1.
const serverUrl = inject('voiceServerUrl');

const contexts: Array<{ context: AudioContext; closeCalls: number }> = [];
const Original = window.AudioContext;
beforeAll(() => {
  class CountingAudioContext extends Original {
    constructor(options?: AudioContextOptions) {
      super(options);
      contexts.push({ context: this, closeCalls: 0 });
    }
    override close(): Promise<void> {
      const entry = contexts.find((c) => c.context === this);
      if (entry) entry.closeCalls++;
      return super.close();
    }
  }
  window.AudioContext = CountingAudioContext;
});
afterAll(() => {
  window.AudioContext = Original;
});
afterEach(async () => {
  await cleanup();
  contexts.length = 0;
});

/** 16-bit PCM at 16 kHz: a quiet 440 Hz tone of `ms`. */
function tone(ms: number): Uint8Array {
  const samples = new Int16Array(Math.round((16000 * ms) / 1000));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(Math.sin((2 * Math.PI * 440 * i) / 16000) * 3000);
  return new Uint8Array(samples.buffer);
}

const send = (peer: MemoryPeer, taskId: string, name: string, payload: Record<string, unknown> = {}) =>
  peer.send(JSON.stringify({ header: { task_id: taskId, event: name, attributes: {} }, payload }));

/** An in-page server: one sentence per continue-task, `audioMs` of audio in 100 ms chunks. */
function peerTransport(audioMs: number, refuse?: 'unreachable'): Transport {
  const chunk = tone(100);
  return memoryTransport(
    (peer) => ({
      onMessage(text) {
        const message = JSON.parse(text);
        const taskId = message.header.task_id;
        const input = message.payload?.input ?? {};
        if (message.header.action === 'run-task') send(peer, taskId, 'task-started');
        else if (message.header.action === 'continue-task' && typeof input.text === 'string') {
          const words = input.text.split(' ').filter(Boolean).map((w: string, i: number) => ({ text: w, begin_index: input.text.indexOf(w), end_index: input.text.indexOf(w) + w.length, begin_time: i * 100, end_time: i * 100 + 90 }));
          send(peer, taskId, 'result-generated', { output: { type: 'sentence-begin', sentence: { index: 0, words: [] }, original_text: input.text } });
          for (let t = 0; t < audioMs; t += 100) peer.send(chunk);
          send(peer, taskId, 'result-generated', { output: { type: 'sentence-end', sentence: { index: 0, words }, original_text: input.text } });
        } else if (message.header.action === 'finish-task') {
          if (input.directive !== 'cancel') send(peer, taskId, 'task-finished');
          peer.close(1000, 'done');
        }
      },
    }),
    refuse ? { refuse } : {},
  );
}

/**
 * An in-page server the test breaks while the audio plays: it starts the task and sends `audioMs` of
 * audio for the text, then neither ends the sentence nor the task until `drop()` (the connection dies)
 * or `failTask()` (task-failed).
 */
function breakablePeer(audioMs: number) {
  const chunk = tone(100);
  let current: { peer: MemoryPeer; taskId: string } | undefined;
  const transport = memoryTransport((peer) => ({
    onMessage(text) {
      const message = JSON.parse(text);
      const taskId = message.header.task_id;
      const input = message.payload?.input ?? {};
      if (message.header.action === 'run-task') {
        current = { peer, taskId };
        send(peer, taskId, 'task-started');
      } else if (message.header.action === 'continue-task' && typeof input.text === 'string') {
        send(peer, taskId, 'result-generated', { output: { type: 'sentence-begin', sentence: { index: 0, words: [] }, original_text: input.text } });
        for (let t = 0; t < audioMs; t += 100) peer.send(chunk);
      }
    },
  }));
  return {
    transport,
    drop: () => current!.peer.close(1006, 'connection lost'),
    failTask: () =>
      current!.peer.send(JSON.stringify({ header: { task_id: current!.taskId, event: 'task-failed', error_code: 'InternalError', error_message: 'engine crashed', attributes: {} }, payload: {} })),
  };
}

function renderWith<T>(useHook: () => T, transport: Transport, strict = false) {
  const ref: { current: T | undefined } = { current: undefined };
  function Probe() {
    ref.current = useHook();
    return null;
  }
  const tree: ReactNode = (
    <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang" format={AudioFormat.PCM_16000HZ_MONO_16BIT} wordTimestampEnabled>
      <Probe />
    </SpeechProvider>
  );
  return { ref, tree: strict ? <StrictMode>{tree}</StrictMode> : tree };
}

async function expectAllClosed(expectedCreated: number) {
  expect(contexts.length).toBe(expectedCreated);
  await expect.poll(() => contexts.map((c) => c.context.state), { timeout: 2000 }).toEqual(contexts.map(() => 'closed'));
  expect(contexts.map((c) => c.closeCalls)).toEqual(contexts.map(() => 1));
}

describe('AudioContexts created by the hooks are closed', () => {
  it('none is created at mount (StrictMode), one on speak, reused across utterances, closed after unmount', async () => {
    const { ref, tree } = renderWith(useSpeechSynthesis, peerTransport(300), true);
    const screen = await render(tree);
    await new Promise((r) => setTimeout(r, 50));
    expect(contexts.length).toBe(0);
    for (const text of ['First utterance.', 'Second utterance.']) {
      ref.current!.speak(text);
      await expect.poll(() => ref.current!.status, { timeout: 5000 }).toBe('ended');
    }
    expect(contexts.length).toBe(1);
    expect(contexts[0]!.context.state).toBe('running');
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('every hook under one provider plays through the same one, closed once when the provider unmounts', async () => {
    const first: { current: UseSpeechSynthesisResult | undefined } = { current: undefined };
    const second: { current: UseStreamingSynthesisResult | undefined } = { current: undefined };
    function Probes() {
      first.current = useSpeechSynthesis();
      second.current = useStreamingSynthesis();
      return null;
    }
    const screen = await render(
      <SpeechProvider transport={peerTransport(300)} model="cosyvoice-v3-flash" voice="longanyang" format={AudioFormat.PCM_16000HZ_MONO_16BIT} wordTimestampEnabled>
        <Probes />
      </SpeechProvider>,
    );
    first.current!.speak('From the first hook.');
    await expect.poll(() => first.current!.status, { timeout: 5000 }).toBe('ended');
    second.current!.start();
    second.current!.write('From the second hook. ');
    second.current!.complete();
    await expect.poll(() => second.current!.status, { timeout: 5000 }).toBe('ended');
    expect(contexts.length).toBe(1);
    expect(contexts[0]!.context.state).toBe('running');
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('speak → stop mid-speech → unmount', async () => {
    const { ref, tree } = renderWith(useSpeechSynthesis, peerTransport(3000));
    const screen = await render(tree);
    ref.current!.speak('Stopped in the middle of it.');
    await expect.poll(() => ref.current!.status, { timeout: 5000 }).toBe('speaking');
    ref.current!.stop();
    await expect.poll(() => ref.current!.status).toBe('idle');
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('unmount mid-speech', async () => {
    const { ref, tree } = renderWith(useSpeechSynthesis, peerTransport(3000));
    const screen = await render(tree);
    (ref.current as UseSpeechSynthesisResult).speak('Unmounted while speaking.');
    await expect.poll(() => ref.current!.status, { timeout: 5000 }).toBe('speaking');
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('streaming: start → write → cancel → unmount', async () => {
    const { ref, tree } = renderWith(useStreamingSynthesis, peerTransport(3000));
    const screen = await render(tree);
    const stream = () => ref.current as UseStreamingSynthesisResult;
    stream().start();
    stream().write('Streaming words here. ');
    await expect.poll(() => stream().status, { timeout: 5000 }).toBe('speaking');
    stream().cancel();
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('streaming played to the end, then unmount', async () => {
    const { ref, tree } = renderWith(useStreamingSynthesis, peerTransport(300));
    const screen = await render(tree);
    const stream = () => ref.current as UseStreamingSynthesisResult;
    stream().start();
    stream().write('Short stream.');
    stream().complete();
    await expect.poll(() => stream().status, { timeout: 5000 }).toBe('ended');
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('a refused connection → error → unmount', async () => {
    const { ref, tree } = renderWith(useSpeechSynthesis, peerTransport(300, 'unreachable'));
    const screen = await render(tree);
    ref.current!.speak('Nobody is there.');
    await expect.poll(() => ref.current!.status).toBe('error');
    expect(ref.current!.error?.code).toBe('ConnectionFailed');
    // The context was unlocked inside the (would-be) gesture; it must not outlive the component.
    expect(contexts.length).toBe(1);
    await screen.unmount();
    await expectAllClosed(1);
  });

  const FAULTS = [
    { name: 'the socket dropped mid-audio', code: 'ConnectionClosed', inject: (peer: ReturnType<typeof breakablePeer>) => peer.drop() },
    { name: 'task-failed mid-audio', code: 'TaskFailed', inject: (peer: ReturnType<typeof breakablePeer>) => peer.failTask() },
  ] as const;
  for (const fault of FAULTS) {
    it(`useSpeechSynthesis: ${fault.name} → error (${fault.code}) → unmount`, async () => {
      const peer = breakablePeer(3000);
      const { ref, tree } = renderWith(useSpeechSynthesis, peer.transport);
      const screen = await render(tree);
      ref.current!.speak('Broken while it is being heard.');
      await expect.poll(() => ref.current!.status, { timeout: 5000 }).toBe('speaking');
      fault.inject(peer);
      await expect.poll(() => ref.current!.status).toBe('error');
      expect(ref.current!.error?.code).toBe(fault.code);
      expect(contexts.length).toBe(1);
      await screen.unmount();
      await expectAllClosed(1);
    });

    it(`useStreamingSynthesis: ${fault.name} → error (${fault.code}) → unmount`, async () => {
      const peer = breakablePeer(3000);
      const { ref, tree } = renderWith(useStreamingSynthesis, peer.transport);
      const screen = await render(tree);
      const stream = () => ref.current as UseStreamingSynthesisResult;
      stream().start();
      stream().write('Broken while it is being heard. ');
      await expect.poll(() => stream().status, { timeout: 5000 }).toBe('speaking');
      fault.inject(peer);
      await expect.poll(() => stream().status).toBe('error');
      expect(stream().error?.code).toBe(fault.code);
      expect(contexts.length).toBe(1);
      await screen.unmount();
      await expectAllClosed(1);
    });
  }

  it('the local voice server fails the task (a voice of another model) → error (TaskFailed) → unmount', async () => {
    const { ref, tree } = renderWith(() => useSpeechSynthesis({ model: 'cosyvoice-v1' }), proxyTransport({ url: serverUrl }));
    const screen = await render(tree);
    ref.current!.speak('Not with this voice.');
    await expect.poll(() => ref.current!.status, { timeout: 5000 }).toBe('error');
    expect(ref.current!.error).toMatchObject({ code: 'TaskFailed', serverCode: 'InvalidParameter' });
    expect(contexts.length).toBe(1);
    await screen.unmount();
    await expectAllClosed(1);
  });

  it('mount/unmount 5 times with a speak each: as many contexts created as closed', async () => {
    for (let i = 0; i < 5; i++) {
      const { ref, tree } = renderWith(useSpeechSynthesis, peerTransport(1000));
      const screen = await render(tree);
      ref.current!.speak(`Round ${i}.`);
      await expect.poll(() => ref.current!.status, { timeout: 5000 }).toBe('speaking');
      await screen.unmount();
    }
    await expectAllClosed(5);
  });
});
