import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { sourceAliases } from './.storybook/aliases.ts';

const root = import.meta.dirname;

// Stories under test speak through the tone engine (fast, deterministic); `npm run dev` prefers espeak.
process.env.COSYVOICE_ENGINE ??= 'tone';

/** Debian's chromium, launched by playwright (never a downloaded browser). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

const browserProvider = () =>
  playwright({
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  });

export default defineConfig({
  // Tests import through the public entry points; these map them to the sources.
  resolve: { alias: sourceAliases },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts', 'test/**/*.ssr.test.tsx'],
          exclude: ['test/**/*.browser.test.{ts,tsx}'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'jsdom',
          environment: 'jsdom',
          include: ['test/**/*.test.tsx'],
          exclude: ['test/**/*.browser.test.{ts,tsx}', 'test/**/*.ssr.test.tsx'],
          setupFiles: ['./test/setup-dom.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.test.{ts,tsx}'],
          globalSetup: ['test/components/voiceServer.globalSetup.ts'],
          testTimeout: 30_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: browserProvider(),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        // Every story runs as a test in Chromium, speaking through the local voice server that
        // .storybook/main.ts attaches to the test server; accessibility violations fail it.
        plugins: [storybookTest({ configDir: path.join(root, '.storybook') })],
        test: {
          name: 'storybook',
          testTimeout: 70_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: browserProvider(),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
