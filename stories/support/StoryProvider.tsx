import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { DEFAULT_BROWSER_FORMAT, SpeechProvider, proxyTransport, type SpeechProviderProps, type Transport } from 'cosyvoice-react';

/** The endpoint `npm run dev` attaches to Storybook's own origin (local voice server, or the proxy). */
export const STORY_ENDPOINT = '/api-ws/v1/inference';

type ServerState = 'checking' | 'present' | 'absent';

/** Asks the page's origin whether the voice server is attached (a cheap `list_voice`). */
function useVoiceServerPresence(): ServerState {
  const [state, setState] = useState<ServerState>('checking');
  useEffect(() => {
    let live = true;
    fetch('/api/v1/services/audio/tts/customization', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'voice-enrollment', input: { action: 'list_voice' } }),
    })
      .then((response) => live && setState(response.ok ? 'present' : 'absent'))
      .catch(() => live && setState('absent'));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** Props of {@link StoryProvider}. */
export interface StoryProviderProps extends Partial<SpeechProviderProps> {
  children: ReactNode;
}

/**
 * The provider every story uses: the voice server on Storybook's origin, cosyvoice-v3-flash with
 * `longanyang`, PCM 24 kHz, word timestamps. Says so when the server is absent (a static build).
 */
export function StoryProvider({ children, transport, ...props }: StoryProviderProps) {
  const presence = useVoiceServerPresence();
  const defaultTransport = useMemo<Transport>(() => proxyTransport({ url: STORY_ENDPOINT }), []);
  return (
    <SpeechProvider
      transport={transport ?? defaultTransport}
      model="cosyvoice-v3-flash"
      voice="longanyang"
      format={DEFAULT_BROWSER_FORMAT}
      wordTimestampEnabled
      {...props}
    >
      {presence === 'absent' && (
        <p role="note" style={{ padding: 8, border: '1px solid #b45309', background: '#fffbeb', color: '#78350f' }}>
          This story speaks through the local voice server, which is not running here (a static build).
          Run <code>npm run dev</code> to hear it.
        </p>
      )}
      {children}
    </SpeechProvider>
  );
}

/** The decorator most stories use: render inside {@link StoryProvider}. */
export const withStoryProvider = (Story: () => ReactNode) => (
  <StoryProvider>
    <Story />
  </StoryProvider>
);

