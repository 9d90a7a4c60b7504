import type { Meta, StoryObj } from '@storybook/react-vite';
import { useMemo, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { SpeakButton, directTransport, proxyTransport, type SynthesisToken, type Transport } from 'cosyvoice-react';
import { redactUrl } from '../../src/core/errors';
import { STORY_ENDPOINT, StoryProvider } from '../support/StoryProvider';

/** Wraps a transport to show what goes over the wire: the connection and the run-task message. */
function useVisibleTransport(make: () => Transport) {
  const [log, setLog] = useState<string[]>([]);
  const transport = useMemo<Transport>(() => {
    const base = make();
    return {
      description: base.description,
      http: base.http,
      async connect(handlers, signal) {
        setLog((lines) => [...lines, `connect: ${base.description}`]);
        const socket = await base.connect(handlers, signal);
        return {
          send(text) {
            const message = JSON.parse(text) as { header: { action: string }; payload: unknown };
            if (message.header.action === 'run-task') setLog((lines) => [...lines, `run-task: ${JSON.stringify(message.payload)}`]);
            socket.send(text);
          },
          close: (code, reason) => socket.close(code, reason),
        };
      },
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return { transport, log };
}

/** Mints a short-lived token at the local server's (or proxy's) token endpoint, as an app backend would. */
async function fetchToken(): Promise<SynthesisToken> {
  const response = await fetch('/api/v1/tokens?expire_in_seconds=60', { method: 'POST' });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
  const body = (await response.json()) as { token: string; expires_at: number };
  return { token: body.token, expiresAt: body.expires_at * 1000 };
}

function Demo({ mode }: { mode: 'direct' | 'proxy' }) {
  const { transport, log } = useVisibleTransport(() =>
    mode === 'direct'
      ? directTransport({ url: new URL(STORY_ENDPOINT, location.href).toString().replace(/^http/, 'ws'), getToken: fetchToken })
      : proxyTransport({ url: STORY_ENDPOINT }),
  );
  return (
    <StoryProvider transport={transport}>
      <p>{mode === 'direct' ? 'Direct: a temporary st- token from the token endpoint, sent as ?api_key=.' : 'Proxy: the app endpoint holds the key; the browser sends none.'}</p>
      <SpeakButton text={`Speaking over the ${mode} transport.`} />
      <pre aria-label="Request log" style={{ whiteSpace: 'pre-wrap', fontSize: 12, background: '#f4f4f5', padding: 8 }}>{log.map(redactUrl).join('\n') || 'No request yet.'}</pre>
    </StoryProvider>
  );
}

const meta = {
  title: 'Recipes/Transports',
  component: Demo,
  args: { mode: 'proxy' },
} satisfies Meta<typeof Demo>;
export default meta;
type Story = StoryObj<typeof meta>;

async function speakAndCheck(canvasElement: HTMLElement, expected: RegExp) {
  const canvas = within(canvasElement);
  await userEvent.click(canvas.getByRole('button', { name: 'Read aloud' }));
  await waitFor(() => expect(canvas.getByRole('button', { name: 'Read aloud' })).toHaveAttribute('data-state', 'ended'), { timeout: 15_000 });
  await expect(canvas.getByLabelText('Request log')).toHaveTextContent(expected);
  await expect(canvas.getByLabelText('Request log')).toHaveTextContent(/run-task: .*"model":"cosyvoice-v3-flash"/);
}

/** Through the app's proxy path (`proxyTransport`): no credential in the browser. */
export const Proxy: Story = {
  args: { mode: 'proxy' },
};

/** `Proxy`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const ProxyTest: Story = {
  args: { mode: 'proxy' },
  tags: ['!dev', '!autodocs'],
  play: ({ canvasElement }) => speakAndCheck(canvasElement, /connect: proxy \/api-ws\/v1\/inference/),
};

/** Direct token auth (`directTransport({ getToken })`) with tokens minted by the token endpoint. */
export const DirectToken: Story = {
  args: { mode: 'direct' },
};

/** `DirectToken`, driven by a test (hidden from the sidebar so opening the showcase never starts audio by itself). */
export const DirectTokenTest: Story = {
  args: { mode: 'direct' },
  tags: ['!dev', '!autodocs'],
  play: ({ canvasElement }) => speakAndCheck(canvasElement, /connect: direct ws:\/\/.*\/api-ws\/v1\/inference/),
};
