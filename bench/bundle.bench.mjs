// Bundle bench: what SpeakButton + KaraokeText (and, for context, the whole provider setup) cost an app,
// min+gzip with React and react-query excluded; writes bench/results/bundle.json. Needs `npm run build`.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measure } from '../scripts/bundle-size.mjs';

const root = path.join(import.meta.dirname, '..');
const components = await measure(['SpeakButton', 'KaraokeText']);
const withProvider = await measure(['SpeakButton', 'KaraokeText', 'SpeechProvider']);
const everything = await measure(['SpeakButton', 'KaraokeText', 'SpeechProvider', 'VoicePicker', 'useStreamingSynthesis']);
const report = {
  date: new Date().toISOString(),
  speakButtonAndKaraokeText: components,
  withSpeechProviderAndWebAudioPlayer: withProvider,
  withVoicePickerAndStreaming: everything,
  budgets: { speakButtonAndKaraokeTextGzipBytes: `<= ${components.budgetBytes}` },
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/bundle.json'), `${JSON.stringify(report, null, 2)}\n`);
for (const [name, figures] of Object.entries(report).filter(([, v]) => v && typeof v === 'object' && 'gzipBytes' in v)) {
  console.log(`${name}: ${(figures.gzipBytes / 1024).toFixed(1)} kB min+gzip`);
}
