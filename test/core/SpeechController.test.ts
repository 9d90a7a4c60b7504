import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechController, directTransport, type SpeechStatus } from 'cosyvoice-react/core';
import { createSilentPlayer } from 'cosyvoice-react/playback';
import { startScriptedServer } from '../utils/scriptedDashScopeServer';

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function controllerFor(url: string) {
  return new SpeechController({
    transport: directTransport({ url, apiKey: 'k', WebSocket: WebSocket as never }),
    defaults: { model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_24000HZ_MONO_16BIT, wordTimestampEnabled: true },
    // Not real time: the player hears everything at once at the end, so long texts test quickly.
    createPlayer: () => createSilentPlayer({ format: AudioFormat.PCM_24000HZ_MONO_16BIT, realtime: false }),
  });
}

function until(controller: SpeechController, statuses: SpeechStatus[]): Promise<SpeechStatus> {
  return new Promise((resolve) => {
    const check = () => {
      const status = controller.getSnapshot().status;
      if (statuses.includes(status)) {
        unsubscribe();
        resolve(status);
      }
    };
    const unsubscribe = controller.subscribe(check);
    check();
  });
}

describe('SpeechController', () => {
  it('sends text over 20 000 characters as several continue-task messages of one task', async () => {
    const server = await startScriptedServer();
    close = () => server.close();
    const controller = controllerFor(server.url);
    const text = 'Sentence number one is here. '.repeat(1500); // 43 500 characters
    controller.speak(text);
    await expect(until(controller, ['ended', 'error'])).resolves.toBe('ended');
    const texts = server.connections[0]!.messages.filter((m) => m.header.action === 'continue-task').map((m) => (m.payload.input as { text: string }).text);
    expect(texts).toHaveLength(3);
    expect(texts.join('')).toBe(text);
    expect(texts.every((t) => t.length <= 20_000 && t.endsWith('. '))).toBe(true);
    expect(server.connections).toHaveLength(1);
    expect(controller.getAudio()?.chunks.length).toBe(6); // two chunks per sentence-batch from the scripted server
  });

  it('refuses more than 200 000 characters without connecting, and SSML over 20 000', async () => {
    const server = await startScriptedServer();
    close = () => server.close();
    const controller = controllerFor(server.url);
    controller.speak('a'.repeat(200_001));
    expect(controller.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'TextTooLong' } });
    controller.speak(`<speak>${'字'.repeat(10_001)}</speak>`);
    expect(controller.getSnapshot().error?.message).toMatch(/SSML cannot be split/);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections).toHaveLength(0);
  });

  it('speaks SSML through call() with enable_ssml', async () => {
    const server = await startScriptedServer();
    close = () => server.close();
    const controller = controllerFor(server.url);
    controller.speak('<speak>Hello <break time="200ms"/> there</speak>');
    await expect(until(controller, ['ended', 'error'])).resolves.toBe('ended');
    const runTask = server.connections[0]!.messages[0]!;
    expect(runTask.payload.parameters).toMatchObject({ enable_ssml: true });
  });
});
