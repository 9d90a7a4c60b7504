import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AudioFormat, SpeechSynthesizer, proxyTransport } from 'cosyvoice-react/core';
import { ensureBuilt, projectRoot } from '../utils/builtPackage';

// The packed tarball installed into an empty project, as a user would get it.
let consumer: string;
beforeAll(() => {
  ensureBuilt(['core.js', 'server.js', 'cli.js', 'playback.js', 'index.js']);
  consumer = mkdtempSync(path.join(tmpdir(), 'cosyvoice-packed-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', consumer], { cwd: projectRoot, encoding: 'utf8' }).trim().split('\n').pop()!;
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // With the optional espeak engine (the user installs it; it is GPL-3.0 and not a dependency).
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=peer', path.join(consumer, tarball), '@echogarden/espeak-ng-emscripten@0.3.5'], { cwd: consumer, stdio: 'pipe' });
}, 180_000);
afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships only dist and the package files', () => {
    const listing = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: projectRoot, encoding: 'utf8' });
    const files: string[] = JSON.parse(listing)[0].files.map((f: { path: string }) => f.path);
    expect(files.every((f) => f.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(f))).toBe(true);
    expect(files).toContain('dist/cli.js');
  });

  it('the installed `cosyvoice-react serve` bin prints its URL first, speaks English and Mandarin with word timestamps in every container, and exits 0 on SIGTERM', async () => {
    // What `npx cosyvoice-react serve` runs: the package's bin, linked into node_modules/.bin.
    const bin = path.join(consumer, 'node_modules', '.bin', 'cosyvoice-react');
    const child = spawn(bin, ['serve', '--port', '0', '--engine', 'espeak'], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
        setTimeout(() => reject(new Error('no URL within 20 s')), 20_000);
      });
      expect(firstLine).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/api-ws\/v1\/inference$/);
      const formats = [AudioFormat.PCM_16000HZ_MONO_16BIT, AudioFormat.WAV_22050HZ_MONO_16BIT, AudioFormat.MP3_24000HZ_MONO_256KBPS, AudioFormat.OGG_OPUS_48KHZ_MONO_32KBPS];
      const texts = [
        ['Hello from the local voice server.', ['Hello', 'from', 'the', 'local', 'voice', 'server']],
        ['今天天气很好。', null],
      ] as const;
      for (const format of formats) {
        for (const [text, expectedWords] of texts) {
          const synthesizer = new SpeechSynthesizer({
            model: 'cosyvoice-v3-flash',
            voice: 'longanyang',
            format,
            wordTimestampEnabled: true,
            transport: proxyTransport({ url: firstLine, WebSocket }),
          });
          synthesizer.streamingCall(text);
          const audio = await synthesizer.streamingComplete({ timeoutMillis: 15_000 });
          const magic = String.fromCharCode(...audio!.subarray(0, 4));
          if (format.format === 'wav') expect(magic).toBe('RIFF');
          if (format.format === 'opus') expect(magic).toBe('OggS');
          if (format.format === 'mp3') expect(audio![0] === 0xff || magic.startsWith('ID3')).toBe(true);
          // Real speech: at least half a second of audio, and words with times inside it.
          expect(synthesizer.getAudioDurationMs()).toBeGreaterThan(500);
          const words = synthesizer.getTimeline().words;
          expect(words.length).toBeGreaterThan(0);
          expect(words.at(-1)!.endMs).toBeLessThanOrEqual(synthesizer.getAudioDurationMs() + 50);
          if (expectedWords) expect(words.map((w) => w.text)).toEqual(expectedWords);
          else expect(words.map((w) => text.slice(w.beginIndex, w.endIndex)).join('')).toBe('今天天气很好');
        }
      }
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);

  it('loads every entry from the installed package in ESM and CJS', () => {
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `
        const core = await import('cosyvoice-react/core');
        const playback = await import('cosyvoice-react/playback');
        const server = await import('cosyvoice-react/server');
        console.log(JSON.stringify([typeof core.SpeechSynthesizer, typeof playback.createAudioPlayer, typeof server.createLocalVoiceServer, typeof server.createSynthesisProxy, typeof server.createTokenHandler]));`],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(JSON.parse(esm)).toEqual(['function', 'function', 'function', 'function', 'function']);
    const cjs = execFileSync(
      process.execPath,
      ['-e', `const s = require('cosyvoice-react/server'); const p = require('cosyvoice-react/playback'); console.log(JSON.stringify([typeof s.createLocalVoiceServer, typeof p.createSilentPlayer]));`],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(JSON.parse(cjs)).toEqual(['function', 'function']);
  });
});
