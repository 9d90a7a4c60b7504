// A vitest browser provider for Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core
// (Playwright cannot drive a stock Firefox, and geckodriver cannot be installed here; Firefox speaks
// BiDi itself). Tests and stories run unchanged: vitest's orchestrator page and test iframes load as
// in Chromium, and `userEvent.click` becomes a trusted click performed by the driver.
import { fileURLToPath } from 'node:url';
import { defineBrowserProvider } from '@vitest/browser';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { BrowserProvider, BrowserProviderOption, TestProject } from 'vitest/node';
import { registerClick, type ClickRequest } from './registerClick.ts';

/** Debian's `firefox-esr` package puts the real binary here (`/usr/bin/firefox` is a shell wrapper). */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';

/** Options of {@link firefox}. */
export interface FirefoxProviderOptions {
  /** @default FIREFOX_PATH */
  executablePath?: string;
  /**
   * How Firefox outputs audio. `'mock'`: its mock backend (`media.cubeb.force_mock_context`), a context
   * that starts at once without a device (deterministic). `'system'`: whatever `PULSE_SERVER` in `env`
   * points at (a private PulseAudio null sink: a real device with real start-up time). @default 'mock'
   */
  audioOutput?: 'mock' | 'system';
  /**
   * Let pages start audio without a user gesture, as Chromium's `--autoplay-policy=no-user-gesture-required`
   * does for the Chromium projects (story play functions click with synthetic events). @default true
   */
  autoplay?: boolean;
  /** More preferences. */
  prefs?: Record<string, string | number | boolean>;
  /** Environment of the Firefox process (e.g. `PULSE_SERVER`). @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Firefox prefs for an audio output mode and autoplay choice (shared with scripts that launch Firefox themselves). */
export function firefoxPrefs(options: Pick<FirefoxProviderOptions, 'audioOutput' | 'autoplay' | 'prefs'> = {}): Record<string, string | number | boolean> {
  return {
    'media.cubeb.force_mock_context': (options.audioOutput ?? 'mock') === 'mock',
    ...(options.autoplay === false ? {} : { 'media.autoplay.default': 0, 'media.autoplay.block-webaudio': false }),
    // No first-run pages, updates or telemetry in a test profile.
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    ...options.prefs,
  };
}

/** Launches Debian's Firefox headless over WebDriver BiDi. */
export function launchFirefox(options: FirefoxProviderOptions & { headless?: boolean } = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    headless: options.headless ?? true,
    executablePath: options.executablePath ?? FIREFOX_PATH,
    env: { ...(options.env ?? process.env), MOZ_HEADLESS: options.headless === false ? '' : '1' },
    protocolTimeout: 60_000,
    extraPrefsFirefox: firefoxPrefs(options),
  });
}

/**
 * The provider for a vitest project: `browser: { provider: firefox(), instances: [{ browser: 'firefox' }] }`.
 */
export function firefox(options: FirefoxProviderOptions = {}): BrowserProviderOption<FirefoxProviderOptions> {
  return defineBrowserProvider({
    name: 'firefox-bidi',
    supportedBrowser: ['firefox'],
    options,
    providerFactory: (project) => new FirefoxBidiProvider(project, options),
  });
}

/**
 * A trusted click on the element `selector` matches in vitest's test iframe, at the centre of its first
 * box or at `request.position` from its top-left corner. The point is computed here, in page coordinates
 * through the iframe's position and scale: puppeteer's own element click missed elements inside the
 * (scaled) test iframe.
 */
async function clickInTestFrame(page: Page, selector: string, request: ClickRequest): Promise<void> {
  const iframes = await page.$$('iframe[data-vitest]');
  const iframe = iframes.at(-1);
  const frame = await iframe?.contentFrame();
  if (!iframe || !frame) throw new Error('The test iframe is not on the page.');
  const element = await frame.$(selector);
  if (!element) throw new Error(`No element matches ${selector}`);
  try {
    const inFrame = await element.evaluate((target, position) => {
      target.scrollIntoView({ block: 'center', inline: 'center' });
      if (position) {
        const box = target.getBoundingClientRect();
        return { x: box.left + position.x, y: box.top + position.y };
      }
      const box = target.getClientRects()[0] ?? target.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    }, request.position);
    const frameBox = await iframe.evaluate((target) => {
      const box = target.getBoundingClientRect();
      const scale = target.offsetWidth > 0 ? box.width / target.offsetWidth : 1;
      return { x: box.left + target.clientLeft * scale, y: box.top + target.clientTop * scale, scale };
    });
    const x = frameBox.x + inFrame.x * frameBox.scale;
    const y = frameBox.y + inFrame.y * frameBox.scale;
    // Each press carries its place in the series (1, 2, 3), as a real multi-click does.
    for (let count = 1; count <= request.clickCount; count++) await page.mouse.click(x, y, { count });
  } finally {
    await element.dispose();
  }
}

class FirefoxBidiProvider implements BrowserProvider {
  readonly name = 'firefox-bidi';
  // Tests share the machine's audio clock and two cores: one page at a time.
  readonly supportsParallelism = false;
  readonly initScripts = [fileURLToPath(new URL('./domLocators.ts', import.meta.url))];
  #project: TestProject;
  #options: FirefoxProviderOptions;
  #browser: Promise<Browser> | undefined;
  #pages = new Map<string, Page>();

  constructor(project: TestProject, options: FirefoxProviderOptions) {
    this.#project = project;
    this.#options = options;
    registerClick(project, (context, selector, request) => clickInTestFrame((context as unknown as { page: Page }).page, selector, request));
  }

  getCommandsContext(sessionId: string): Record<string, unknown> {
    return { page: this.#pages.get(sessionId) };
  }

  async openPage(sessionId: string, url: string): Promise<void> {
    this.#browser ??= launchFirefox({ ...this.#options, headless: this.#project.config.browser.headless });
    const browser = await this.#browser;
    let page = this.#pages.get(sessionId);
    if (!page) {
      page = await browser.newPage();
      // Room for vitest's whole test iframe (414 × 896 by default), so a click point is never off screen.
      await page.setViewport({ width: 1280, height: 1024 });
      this.#pages.set(sessionId, page);
    }
    await page.goto(url, { timeout: 0 });
  }

  async close(): Promise<void> {
    const browser = await this.#browser?.catch(() => undefined);
    this.#browser = undefined;
    this.#pages.clear();
    await browser?.close();
  }
}
