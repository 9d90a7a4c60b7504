// Browser-project global setup: a local voice server (tone engine) on 127.0.0.1 for the component
// tests running in Chromium, which reach it through `inject('voiceServerUrl')`.
import type { TestProject } from 'vitest/node';
import { createLocalVoiceServer } from 'cosyvoice-react/server';

declare module 'vitest' {
  export interface ProvidedContext {
    voiceServerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = createLocalVoiceServer({ engine: 'tone', host: '127.0.0.1', port: 0 });
  const url = await server.listen();
  project.provide('voiceServerUrl', url);
  return async () => {
    await server.close();
  };
}
