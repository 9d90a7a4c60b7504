// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { KaraokeText, ReadAloud, ReadAloudRegion, SpeakButton, SpeechProvider, VoicePicker, type Transport } from 'cosyvoice-react';

function recordingTransport() {
  const calls = { connect: 0, post: 0 };
  const transport: Transport = {
    description: 'recording',
    connect() {
      calls.connect++;
      return Promise.reject(new Error('no connections during SSR'));
    },
    http: {
      post() {
        calls.post++;
        return Promise.reject(new Error('no requests during SSR'));
      },
    },
  };
  return { transport, calls };
}

describe('components on the server', () => {
  it('render to a string with no DOM, opening no connection and sending no request', () => {
    expect(typeof document).toBe('undefined');
    const { transport, calls } = recordingTransport();
    const html = renderToString(
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang">
        <SpeakButton text="Hello there." />
        <KaraokeText text="Hello there." timeline={[{ text: 'Hello', beginIndex: 0, endIndex: 5, beginMs: 0, endMs: 300, sentenceIndex: 0 }]} activeWordIndex={0} />
        <VoicePicker filter={{ query: 'loong' }} />
        <ReadAloud text="你好，世界。" />
      </SpeechProvider>,
    );
    expect(calls).toEqual({ connect: 0, post: 0 });
    expect(html).toContain('<button type="button" data-state="idle">Read aloud</button>');
    // An explicit timeline renders its heard word on the server too (a speech's is client state).
    expect(html).toContain('<span class="cosyvoice-karaoke-word" data-word-index="0" data-state="active" data-active="">Hello</span> there.');
    expect(html).toMatch(/role="listbox"[^>]*aria-label="Voice"/);
    expect(html).toContain('你好，世界。');
    expect(html).not.toContain('role="status"');
  });

  it('render the read-aloud player idle: its controls, and the text plain until it mounts', () => {
    const { transport, calls } = recordingTransport();
    const html = renderToString(
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang">
        <ReadAloud text="First sentence. Second one." controls />
      </SpeechProvider>,
    );
    expect(calls).toEqual({ connect: 0, post: 0 });
    expect(html).toContain('role="group" aria-label="Read-aloud player" data-state="idle"');
    expect(html).toMatch(/role="slider"[^>]*aria-valuenow="1"/);
    expect(html).toContain('First sentence. Second one.');
  });

  it('render a reading region and KaraokeText in ranges mode as plain markup (nothing to read or highlight on the server)', () => {
    const { transport, calls } = recordingTransport();
    const html = renderToString(
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang">
        <ReadAloudRegion>
          <p>
            An <em>article</em>.
          </p>
        </ReadAloudRegion>
        <KaraokeText highlight="ranges" text="Hello there." />
      </SpeechProvider>,
    );
    expect(calls).toEqual({ connect: 0, post: 0 });
    expect(html).toContain('class="cosyvoice-region" data-state="idle"');
    expect(html).toContain('<div class="cosyvoice-region-content"><p>An <em>article</em>.</p></div>');
    expect(html).toContain('<button type="button" data-state="idle">Read aloud</button>');
    // Ranges mode loads its code in the browser; the server sends the text as it will show.
    expect(html).toMatch(/<div class="cosyvoice-karaoke" data-highlight="ranges">Hello there.<\/div>/);
  });
});
