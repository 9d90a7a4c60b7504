// The Pages Router: every component is a client component, so the provider and its transport sit in
// the page itself. Prerendered at build time, hydrated in the browser.
import Link from 'next/link';
import { ReadAloud, SpeechProvider, proxyTransport } from 'cosyvoice-react';

const transport = proxyTransport({ url: '/api-ws/v1/inference' });

export default function PagesRouterPage() {
  return (
    <main>
      <h1>Read aloud (Pages Router)</h1>
      <SpeechProvider transport={transport} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled>
        <ReadAloud text="The same components, served by the Pages Router. Each word lights up as you hear it." />
      </SpeechProvider>
      <Link href="/">App Router</Link>
    </main>
  );
}
