// @vitest-environment node
import { version } from 'react';
import { renderToString, version as serverVersion } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SpeechProvider, useActiveWord, usePlaybackPosition, useSpeechSynthesis, useStreamingSynthesis, useVoices } from 'cosyvoice-react';
import { filterVoices, type Transport } from 'cosyvoice-react/core';

function recordingTransport() {
  const calls: string[] = [];
  const transport: Transport = {
    description: 'recording',
    connect: async () => {
      calls.push('connect');
      throw new Error('must not connect during SSR');
    },
    http: {
      post: async (path) => {
        calls.push(`post ${path}`);
        return { output: { voice_list: [] } };
      },
    },
  };
  return { transport, calls };
}

function Everything() {
  const speech = useSpeechSynthesis();
  const streaming = useStreamingSynthesis();
  const { index } = useActiveWord(speech);
  const position = usePlaybackPosition(streaming);
  const { voices, status } = useVoices({ language: 'en' });
  return (
    <p data-state={speech.status}>
      {streaming.status} {index} {position} {voices.length} {status}
    </p>
  );
}

describe('hooks on the server', () => {
  it('runs against React 18 in the react18-ssr project and React 19 in the node project', ({ task }) => {
    const expected = task.file.projectName === 'react18-ssr' ? 18 : 19;
    expect(Number(version.split('.')[0])).toBe(expected);
    expect(serverVersion).toBe(version);
  });

  it('render idle with renderToString, open no socket and touch no browser global', () => {
    const { transport, calls } = recordingTransport();
    expect(typeof window).toBe('undefined');
    const html = renderToString(
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang">
        <Everything />
      </SpeechProvider>,
    );
    // The system catalog needs no request, so the server renders its English voices; custom ones are pending.
    const englishSystemVoices = filterVoices({ model: 'cosyvoice-v3-flash', language: 'en' }).length;
    expect(englishSystemVoices).toBeGreaterThan(0);
    expect(html).toBe(`<p data-state="idle">idle<!-- --> <!-- -->-1<!-- --> <!-- -->0<!-- --> <!-- -->${englishSystemVoices}<!-- --> <!-- -->pending</p>`);
    expect(calls).toEqual([]);
  });

  it('says which hook needs the provider', () => {
    function Orphan() {
      useSpeechSynthesis();
      return null;
    }
    expect(() => renderToString(<Orphan />)).toThrow('`useSpeechSynthesis` must be used within `SpeechProvider`');
  });
});
