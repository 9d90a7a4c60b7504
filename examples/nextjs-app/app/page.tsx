// A server component: it reads the request and the voice catalog on the server and passes plain data
// to the client. Configuration comes from `cosyvoice-react/core` (no React, no "use client"); the
// components come from `cosyvoice-react` and render as client components.
import Link from 'next/link';
import { ReadAloud } from 'cosyvoice-react';
import { AudioFormat, countCharacters, findVoice } from 'cosyvoice-react/core';
import { SpeechSetup } from './SpeechSetup';

const TEXT = 'Streaming speech that starts fast. The word you hear is the word that lights up.';
const MODEL = 'cosyvoice-v3-flash';
const VOICE = findVoice('longanyang', MODEL)!;
// PCM starts fastest; Opus and MP3 use a tenth of the bandwidth (browsers without WebCodecs decode
// them with the WASM decoders, loaded on demand).
const FORMATS = {
  pcm: AudioFormat.PCM_24000HZ_MONO_16BIT,
  opus: AudioFormat.OGG_OPUS_24KHZ_MONO_32KBPS,
  mp3: AudioFormat.MP3_24000HZ_MONO_256KBPS,
} as const;
type FormatChoice = keyof typeof FORMATS;

export default async function Page({ searchParams }: { searchParams: Promise<{ format?: string | string[] }> }) {
  const { format: asked } = await searchParams;
  const choice: FormatChoice = asked === 'opus' || asked === 'mp3' ? asked : 'pcm';
  const format = FORMATS[choice];
  return (
    <main>
      <h1>Read aloud</h1>
      <p>
        {VOICE.name} ({VOICE.languages.join(', ')}), {format.format.toUpperCase()} at {format.sampleRate} Hz, {countCharacters(TEXT)} characters.
      </p>
      <SpeechSetup proxy={{ url: '/api-ws/v1/inference' }} model={MODEL} voice={VOICE.id} format={format} wordTimestampEnabled>
        <ReadAloud text={TEXT} />
      </SpeechSetup>
      <nav aria-label="Audio format">
        {(Object.keys(FORMATS) as FormatChoice[]).map((name) => (
          <Link key={name} href={`/?format=${name}`} aria-current={name === choice ? 'page' : undefined} style={{ marginInlineEnd: '1em' }}>
            {name.toUpperCase()}
          </Link>
        ))}
        <Link href="/pages-router">Pages Router</Link>
      </nav>
    </main>
  );
}
