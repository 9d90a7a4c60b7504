// Shared by the tests of text read in place (the reading region, KaraokeText's ranges mode): a provider
// speaking through the local voice server, and what the CSS Custom Highlight API shows.
import type { ReactNode } from 'react';
import { inject } from 'vitest';
import { SpeechProvider, type SpeechProviderProps } from 'cosyvoice-react';
import { proxyTransport } from 'cosyvoice-react/core';

/** Real audio from the local voice server (tone engine) of the browser projects' global setup, at 2× speed. */
export function FastSpeechProvider({ children, createPlayer }: { children: ReactNode; createPlayer?: SpeechProviderProps['createPlayer'] }) {
  return (
    <SpeechProvider transport={proxyTransport({ url: inject('voiceServerUrl') })} model="cosyvoice-v3-flash" voice="longanyang" wordTimestampEnabled speechRate={2} createPlayer={createPlayer}>
      {children}
    </SpeechProvider>
  );
}

type HighlightLike = Iterable<AbstractRange> & { size: number };

/** The page's `CSS.highlights` registry. */
export const highlights = () => (CSS as unknown as { highlights: Map<string, HighlightLike> }).highlights;

/** The text the named highlight covers now (its ranges in order, soft hyphens left out). */
export function highlighted(name = 'cosyvoice-word'): string {
  const highlight = highlights().get(name);
  if (!highlight) return '';
  return [...highlight].map((range) => (range as Range).toString()).join('').replace(/\u00ad/g, '');
}
