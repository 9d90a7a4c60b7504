import path from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { sourceAliases } from './.storybook/aliases.ts';
import { firefox } from './test/browsers/firefoxProvider.ts';
import { webkit } from './test/browsers/webkitProvider.ts';

const root = import.meta.dirname;
const react18 = path.join(root, 'test/react18/node_modules');

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

const react18Aliases = [
  ...sourceAliases,
  { find: /^react(\/.*)?$/, replacement: `${react18}/react$1` },
  { find: /^react-dom(\/.*)?$/, replacement: `${react18}/react-dom$1` },
  // Its ESM build, so its React imports can be aliased too (the CommonJS one would `require` React 19).
  { find: /^@testing-library\/react$/, replacement: path.join(root, 'node_modules/@testing-library/react/dist/@testing-library/react.esm.js') },
];

/**
 * What the browser and story projects load, pre-bundled before the first test: a dependency Vite
 * discovers mid-run (the WASM decoders are imported only when a browser needs them) makes it
 * re-optimise and reload the page under the running test ("Vitest failed to find the runner") on a
 * cold cache, as on a fresh clone.
 */
const BROWSER_DEPENDENCIES = [
  // The Firefox and WebKit providers' init script (test/browsers/domLocators.ts) imports it: discovered
  // mid-run, its re-optimisation reloaded the orchestrator page, and a WebDriver-driven engine then waited
  // for a runner that never came back (a whole CI run timed out).
  '@vitest/browser/locators',
  '@tanstack/react-query', 'mpg123-decoder', 'opus-decoder', 'react', 'react/jsx-dev-runtime', 'react-dom', 'react-dom/client', 'vitest-browser-react'];
const optimizeDeps = { include: BROWSER_DEPENDENCIES };

const browserProvider = () =>
  playwright({
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  });

/**
 * The browser tests and every story again in Firefox ESR and WebKitGTK (Debian's, installed by `npm test`),
 * through the providers in test/browsers/. Chromium-only tests are listed in `exclude`.
 */
function otherEngine(engine: 'firefox' | 'webkit'): TestProjectInlineConfiguration[] {
  const provider = engine === 'firefox' ? firefox() : webkit();
  return [
    {
      extends: true,
      optimizeDeps,
      test: {
        name: `browser-${engine}`,
        include: ['test/**/*.browser.test.{ts,tsx}'],
        // Not yet in WebKit (see README, Browser support): the player's timing tests assume a worklet that
        // loads at once (WebKitGTK takes ~0.5 s), and one of them kills WebKitGTK's web process.
        exclude: engine === 'webkit' ? ['test/playback/player.browser.test.ts', 'test/playback/demo.browser.test.ts', 'test/playback/playbackRate.browser.test.ts'] : [],
        globalSetup: ['test/components/voiceServer.globalSetup.ts'],
        testTimeout: 30_000,
        browser: { enabled: true, headless: true, screenshotFailures: false, provider, instances: [{ browser: engine }] },
      },
    },
    {
      extends: true,
      optimizeDeps,
      plugins: [storybookTest({ configDir: path.join(root, '.storybook') })],
      test: {
        name: `storybook-${engine}`,
        testTimeout: 70_000,
        browser: { enabled: true, headless: true, screenshotFailures: false, provider, instances: [{ browser: engine }] },
      },
    },
  ];
}

/**
 * Firefox with no audio device at all: no mock backend, PulseAudio pointed at a socket nobody serves, so
 * Firefox never starts an AudioContext (what it does on a machine without sound). For tests named
 * `*.firefox-nodevice.test.ts(x)`.
 */
const firefoxWithoutDevice: TestProjectInlineConfiguration = {
  extends: true,
  optimizeDeps,
  test: {
    name: 'browser-firefox-nodevice',
    include: ['test/**/*.firefox-nodevice.test.{ts,tsx}'],
    globalSetup: ['test/components/voiceServer.globalSetup.ts'],
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: firefox({ audioOutput: 'system', autoplay: false, env: { ...process.env, PULSE_SERVER: 'unix:/nonexistent/cosyvoice-no-audio-device' } }),
      instances: [{ browser: 'firefox' }],
    },
  },
};

export default defineConfig({
  // Tests import through the public entry points; these map them to the sources.
  resolve: { alias: sourceAliases },
  test: {
    // A condition a test waits for may take seconds on a machine whose cores are busy (a socket, a
    // synthesis, an audio device starting): the default 1 s of expect.poll is an exact timing bound.
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts', 'test/**/*.ssr.test.tsx'],
          exclude: ['test/**/*.browser.test.{ts,tsx}', 'test/**/*.firefox-pulse.test.ts', 'test/frameworks/**'],
          testTimeout: 20_000,
        },
      },
      {
        // Firefox with a real (null) audio device: a private PulseAudio sink instead of the mock backend,
        // and no autoplay allowance, so an AudioContext starts only from a trusted click and takes the
        // device's real start-up time. Driven from Node (test/reliability/slowAudioDevice.firefox-pulse.test.ts
        // says why): each test has its own Firefox and PulseAudio, one at a time.
        extends: true,
        test: {
          name: 'firefox-pulse',
          environment: 'node',
          include: ['test/**/*.firefox-pulse.test.ts'],
          testTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        // The example apps (Vite, Next.js) built from the packed tarball, served and read aloud in
        // Chromium. Their production builds keep both cores busy for minutes, so they run after every
        // other project, one file at a time, and share the machine with no timing-sensitive test.
        extends: true,
        test: {
          name: 'frameworks',
          environment: 'node',
          include: ['test/frameworks/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'jsdom',
          environment: 'jsdom',
          include: ['test/**/*.test.tsx'],
          exclude: ['test/**/*.browser.test.{ts,tsx}', 'test/**/*.firefox-nodevice.test.{ts,tsx}', 'test/**/*.ssr.test.tsx'],
          setupFiles: ['./test/setup-dom.ts'],
          testTimeout: 20_000,
        },
      },
      {
        // The hook and component tests again, against React 18 (installed in test/react18 by `npm test`).
        extends: true,
        resolve: { alias: react18Aliases },
        test: {
          name: 'react18',
          environment: 'jsdom',
          include: ['test/hooks/**/*.test.tsx', 'test/components/**/*.test.tsx', 'test/reliability/**/*.test.tsx'],
          exclude: ['test/**/*.browser.test.{ts,tsx}', 'test/**/*.firefox-nodevice.test.{ts,tsx}', 'test/**/*.ssr.test.tsx'],
          setupFiles: ['./test/setup-dom.ts'],
          testTimeout: 20_000,
          // Inlined so their own `react` imports go through the aliases above (one React in the test).
          server: { deps: { inline: ['@testing-library/react', '@tanstack/react-query'] } },
        },
      },
      {
        // Server rendering against React 18 too (`renderToString` of react-dom 18, no DOM).
        extends: true,
        resolve: { alias: react18Aliases },
        test: {
          name: 'react18-ssr',
          environment: 'node',
          include: ['test/**/*.ssr.test.tsx'],
          server: { deps: { inline: ['@tanstack/react-query'] } },
        },
      },
      {
        extends: true,
        optimizeDeps,
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
        optimizeDeps,
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
      ...otherEngine('firefox'),
      // WebKitGTK's web process dies now and then on a busy machine; vitest then loses the page and drops
      // every browser project after it. So `npm test` runs the WebKit projects in vitest runs of their own,
      // with COSYVOICE_WEBKIT=1, and reruns a file a crash cut short (scripts/run-tests.mjs; README,
      // Browser support). A plain `npx vitest` leaves them out unless COSYVOICE_WEBKIT=1 is set.
      ...(process.env.COSYVOICE_WEBKIT === '1' ? otherEngine('webkit') : []),
      firefoxWithoutDevice,
    ],
  },
});
