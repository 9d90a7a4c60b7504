import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { DEFAULT_BROWSER_FORMAT, KaraokeText, ReadAloud, SpeakButton, SpeechProvider, VoicePicker, proxyTransport, useSpeechSynthesis } from 'cosyvoice-react';
import 'cosyvoice-react/styles.css';

// The app's own DashScope-shaped endpoint: the local voice server in development, your proxy in production.
const transport = proxyTransport({ url: '/api-ws/v1/inference' });

function Article() {
  const [voice, setVoice] = useState('longanyang');
  const speech = useSpeechSynthesis({ voice });
  const text = 'Streaming speech that starts fast, with the word you hear highlighted.';
  return (
    <article>
      <VoicePicker value={voice} onValueChange={setVoice} filter={{ model: 'cosyvoice-v3-flash', language: 'en' }} />
      <SpeakButton text={text} speech={speech} />
      <KaraokeText text={text} speech={speech} />
    </article>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang" format={DEFAULT_BROWSER_FORMAT} wordTimestampEnabled>
      <Article />
      <ReadAloud text="床前明月光，疑是地上霜。举头望明月，低头思故乡。" speechOptions={{ voice: 'longanhuan' }} />
    </SpeechProvider>
  </StrictMode>,
);
