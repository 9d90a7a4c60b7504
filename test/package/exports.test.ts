import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerFolder, ensureBuilt, projectRoot, runNode } from '../utils/builtPackage';

let consumer: ReturnType<typeof consumerFolder>;
beforeAll(() => {
  ensureBuilt(['core.js', 'core.cjs', 'index.js', 'playback.js', 'server.js', 'cli.js']);
  consumer = consumerFolder();
}, 120_000);
afterAll(() => consumer?.cleanup());

const NAMES = ['SpeechSynthesizer', 'AudioFormat', 'countCharacters', 'directTransport', 'proxyTransport', 'memoryTransport'];

describe('the built package', () => {
  it('imports the core from ESM', () => {
    const out = runNode(consumer.dir, [
      '--input-type=module',
      '-e',
      `import { ${NAMES.join(', ')} } from 'cosyvoice-react/core';
       console.log(JSON.stringify([typeof SpeechSynthesizer, AudioFormat.PCM_22050HZ_MONO_16BIT.sampleRate, countCharacters('中A文123'), typeof directTransport, typeof proxyTransport, typeof memoryTransport]));`,
    ]);
    expect(JSON.parse(out)).toEqual(['function', 22050, 8, 'function', 'function', 'function']);
  });

  it('requires the core from CommonJS', () => {
    const out = runNode(consumer.dir, [
      '-e',
      `const core = require('cosyvoice-react/core');
       console.log(JSON.stringify(${JSON.stringify(NAMES)}.map((n) => typeof core[n])));`,
    ]);
    expect(JSON.parse(out)).toEqual(['function', 'object', 'function', 'function', 'function', 'function']);
  });

  it('runs a real task from the built ESM core over the in-memory transport', () => {
    const out = runNode(consumer.dir, [
      '--input-type=module',
      '-e',
      `import { SpeechSynthesizer, AudioFormat, memoryTransport } from 'cosyvoice-react/core';
       const transport = memoryTransport((peer) => ({ onMessage(text) {
         const m = JSON.parse(text); const id = m.header.task_id;
         if (m.header.action === 'run-task') peer.send(JSON.stringify({ header: { task_id: id, event: 'task-started', attributes: {} }, payload: {} }));
         if (m.header.action === 'finish-task') { peer.send(new Uint8Array(8)); peer.send(JSON.stringify({ header: { task_id: id, event: 'task-finished', attributes: {} }, payload: {} })); }
       } }));
       const s = new SpeechSynthesizer({ model: 'cosyvoice-v3-flash', voice: 'longanyang', format: AudioFormat.PCM_8000HZ_MONO_16BIT, transport });
       const audio = await s.call('hello');
       console.log(audio.byteLength, s.state);`,
    ]);
    expect(out.trim()).toBe('8 completed');
  });

  it('marks only the React entry "use client"', () => {
    const read = (file: string) => readFileSync(path.join(projectRoot, 'dist', file), 'utf8');
    expect(read('index.js').startsWith('"use client";')).toBe(true);
    expect(read('index.cjs')).toMatch(/^"use strict";\s*"use client";/);
    for (const file of ['core.js', 'core.cjs', 'playback.js', 'playback.cjs', 'server.js', 'server.cjs', 'cli.js']) {
      expect(read(file), file).not.toContain('"use client"');
    }
  });

  it('declares types-first exports, no side effects and only dist in files', () => {
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toEqual(['*.css']); // only the optional stylesheet
    expect(pkg.files).toEqual(['dist']);
    for (const [subpath, entry] of Object.entries<Record<string, Record<string, string>>>(pkg.exports)) {
      if (subpath === './package.json' || subpath === './styles.css') continue;
      for (const condition of ['import', 'require']) {
        if (!entry[condition]) continue;
        expect(Object.keys(entry[condition]!)[0]).toBe('types');
      }
    }
    expect(pkg.peerDependencies).toMatchObject({ react: '^18 || ^19', 'react-dom': '^18 || ^19', '@tanstack/react-query': '^5' });
  });
});
