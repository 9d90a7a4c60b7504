import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalVoiceServer, type LocalVoiceServer } from 'cosyvoice-react/server';
import { RawClient, continueTask, finishTask, runTask } from './helpers';

let server: LocalVoiceServer;
beforeAll(async () => {
  server = createLocalVoiceServer({ engine: 'tone', port: 0, idleTimeoutMs: 300, customVoices: ['cosyvoice-v3-plus-myvoice-0001'] });
  await server.listen();
});
afterAll(() => server.close());

/** Sends frames and returns the task-failed header, after checking the server closed the socket. */
async function failure(frames: unknown[]): Promise<{ error_code: string; error_message: string; task_id: string }> {
  const client = await RawClient.connect(server.url);
  for (const frame of frames) client.send(frame);
  const failed = await client.waitFor('task-failed');
  await client.waitClosed();
  return failed.header;
}

describe('local voice server errors (the service’s codes and messages)', () => {
  it('voice not in the model → InvalidParameter 418', async () => {
    const header = await failure([runTask('e1', { voice: 'longxiaochun' })]); // a v1 voice on v3-flash
    expect(header).toMatchObject({ task_id: 'e1', error_code: 'InvalidParameter', error_message: '[tts:]Engine return error code: 418' });
  });

  it('accepts a known custom voice for its model and refuses it for another model', async () => {
    const client = await RawClient.connect(server.url);
    client.send(runTask('custom', { voice: 'cosyvoice-v3-plus-myvoice-0001' }, 'cosyvoice-v3-plus'));
    await client.waitFor('task-started', 'custom');
    client.close();
    const header = await failure([runTask('custom2', { voice: 'cosyvoice-v3-plus-myvoice-0001' }, 'cosyvoice-v2')]);
    expect(header.error_message).toBe('[tts:]Engine return error code: 418');
  });

  it('missing payload.model → the service’s protocol message', async () => {
    const run = runTask('e2') as any;
    delete run.payload.model;
    expect((await failure([run])).error_message).toBe("Missing required parameter 'payload.model'! Please follow the protocol!");
  });

  it('run-task without input → Invalid payload data; finish-task without input → task can not be null', async () => {
    const run = runTask('e3') as any;
    delete run.payload.input;
    expect((await failure([run])).error_message).toBe('Invalid payload data');
    const finish = { header: { action: 'finish-task', task_id: 'e4', streaming: 'duplex' }, payload: {} };
    expect((await failure([runTask('e4'), finish])).error_message).toBe('task can not be null');
    const noText = { header: { action: 'continue-task', task_id: 'e5', streaming: 'duplex' }, payload: { input: {} } };
    expect((await failure([runTask('e5'), noText])).error_message).toBe('task can not be null');
    const custom = { header: { action: 'continue-task', task_id: 'e6', streaming: 'duplex' }, payload: { input: { end_of_stream: true } } };
    expect((await failure([runTask('e6'), custom])).error_message).toBe('Invalid payload data');
  });

  it('missing or empty voice → Request voice is invalid!', async () => {
    expect((await failure([runTask('e7', { voice: '' })])).error_message).toBe('Request voice is invalid!');
  });

  it('empty text → Please ensure input text is valid.', async () => {
    const header = await failure([runTask('e8'), continueTask('e8', '')]);
    expect(header).toMatchObject({ error_code: 'InvalidParameter', error_message: 'Please ensure input text is valid.' });
  });

  it('more than 20 000 counted characters in one message, or 200 000 in a task, fail', async () => {
    const perMessage = await failure([runTask('e9'), continueTask('e9', '中'.repeat(10_001))]); // 20 002 counted
    expect(perMessage.error_message).toMatch(/20000/);
    const chunk = 'a'.repeat(20_000);
    const frames: unknown[] = [runTask('e10')];
    for (let i = 0; i < 11; i++) frames.push(continueTask('e10', chunk));
    expect((await failure(frames)).error_message).toMatch(/200000/);
  });

  it('a second continue-task with enable_ssml → Text request limit violated, expected 1.', async () => {
    const header = await failure([runTask('e11', { enable_ssml: true }), continueTask('e11', '<speak>One</speak>'), continueTask('e11', '<speak>Two</speak>')]);
    expect(header.error_message).toBe('Text request limit violated, expected 1.');
  });

  it('SSML for a voice without SSML support → SSML text is not supported at the moment!', async () => {
    const header = await failure([runTask('e12', { voice: 'longxiaochun', enable_ssml: true }, 'cosyvoice-v1'), continueTask('e12', '<speak>Hi</speak>')]);
    expect(header.error_message).toBe('SSML text is not supported at the moment!');
  });

  it('out-of-range parameters fail with the core’s description', async () => {
    expect((await failure([runTask('e13', { volume: 101 })])).error_message).toMatch(/volume must be an integer from 0 to 100; received 101/);
    expect((await failure([runTask('e14', { format: 'flac' })])).error_message).toMatch(/format/);
  });

  it('continue-task for an unknown task → task can not be null', async () => {
    expect((await failure([continueTask('ghost', 'Boo.')])).error_message).toBe('task can not be null');
  });

  it('idle for the timeout (shortened here) → request timeout after 23 seconds.', async () => {
    const client = await RawClient.connect(server.url);
    client.send(runTask('idle'));
    client.send(continueTask('idle', 'Hello! '));
    const failed = await client.waitFor('task-failed', 'idle', 5000);
    expect(failed.header.error_message).toBe('request timeout after 23 seconds.');
    // the audio of the text that was sent went out before the timeout
    expect(client.events().some((e) => e.json.payload?.output?.type === 'sentence-end')).toBe(true);
    await client.waitClosed();
  });

  it('keeps a slow but steady stream alive past the timeout', async () => {
    const client = await RawClient.connect(server.url);
    client.send(runTask('steady'));
    for (let i = 0; i < 5; i++) {
      client.send(continueTask('steady', `Part ${i}. `));
      await new Promise((r) => setTimeout(r, 150));
    }
    client.send(finishTask('steady'));
    await client.waitFor('task-finished', 'steady');
    expect(client.events().some((e) => e.json.header.event === 'task-failed')).toBe(false);
    client.close();
  });
});
