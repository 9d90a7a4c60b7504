// A vitest browser provider for Debian's WebKitGTK (the engine closest to Safari available here):
// MiniBrowser driven by WebKitWebDriver over classic WebDriver HTTP, in a virtual X display (WebKitGTK
// has no headless mode and no BiDi). Plain `fetch` is the whole client: a session, a navigation, and a
// trusted element click for `userEvent.click`.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defineBrowserProvider } from '@vitest/browser';
import type { BrowserProvider, BrowserProviderOption, TestProject } from 'vitest/node';
import { registerClick, type ClickRequest } from './registerClick.ts';

/** Where Debian's `libwebkit2gtk-4.1-0` puts MiniBrowser. */
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Options of {@link webkit}. */
export interface WebKitProviderOptions {
  /** @default MINIBROWSER_PATH */
  binary?: string;
  /**
   * Let pages start audio without a user gesture, as Chromium's `--autoplay-policy=no-user-gesture-required`
   * does for the Chromium projects (story play functions click with synthetic events). @default true
   */
  autoplay?: boolean;
}

/**
 * What MiniBrowser prints (a GLib warning from its web-process-terminated handler) when WebKitGTK's web
 * process dies: the page, and vitest's connection to it, are gone.
 */
const WEB_PROCESS_CRASHED = /\bWebProcess CRASHED\b/;

/**
 * Says plainly that the web process died, and appends it to `COSYVOICE_WEBKIT_CRASH_FILE` when that is
 * set: `npm test` (scripts/run-tests.mjs) reruns the file that was running only when this file says the
 * page died, never for a failed assertion.
 */
function reportCrash(line: string): void {
  console.error(`WebKitGTK's web process crashed (MiniBrowser: "${line.trim()}"): the page and the test file running in it are lost.`);
  const file = process.env.COSYVOICE_WEBKIT_CRASH_FILE;
  if (file) appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), message: line.trim() })}\n`);
}

/** The id in a WebDriver element reference (`{ "element-6066-…": id }`). */
function elementId(reference: unknown): string {
  const id = Object.values((reference ?? {}) as Record<string, unknown>)[0];
  if (typeof id !== 'string') throw new Error(`Not a WebDriver element reference: ${JSON.stringify(reference)}`);
  return id;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** One WebDriver session of MiniBrowser, and the WebKitWebDriver (under `xvfb-run`) serving it. */
export class WebKitSession {
  #driver: ChildProcess;
  #base: string;
  #id = '';
  // WebDriver commands that switch frames must not interleave.
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(driver: ChildProcess, base: string) {
    this.#driver = driver;
    this.#base = base;
  }

  /** Starts the driver in a virtual display and opens a MiniBrowser session. */
  static async start(options: WebKitProviderOptions = {}): Promise<WebKitSession> {
    const port = await freePort();
    // Its own process group, so closing ends xvfb-run, Xvfb and the driver together.
    const driver = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', 'WebKitWebDriver', `--port=${port}`], {
      detached: true,
      // MiniBrowser's output reaches us through the driver's: it is how a dead web process is told.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = process.env.COSYVOICE_WEBKIT_LOG_DIR ? createWriteStream(path.join(process.env.COSYVOICE_WEBKIT_LOG_DIR, `webkit-${Date.now()}-${port}.log`)) : undefined;
    driver.once('exit', () => log?.end());
    for (const stream of [driver.stdout, driver.stderr]) {
      if (!stream) continue;
      if (log) stream.pipe(log, { end: false });
      createInterface({ input: stream }).on('line', (line) => {
        if (WEB_PROCESS_CRASHED.test(line)) reportCrash(line);
      });
    }
    const session = new WebKitSession(driver, `http://127.0.0.1:${port}`);
    process.once('exit', session.#killDriver);
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const ready = await fetch(`${session.#base}/status`).then((response) => response.ok, () => false);
        if (ready) break;
        if (driver.exitCode !== null || Date.now() > deadline) throw new Error('WebKitWebDriver did not start (is webkit2gtk-driver installed, with xvfb?)');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const args = ['--automation', ...(options.autoplay === false ? [] : ['--autoplay-policy=allow'])];
      const created = (await session.#send('POST', '/session', {
        capabilities: { alwaysMatch: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: options.binary ?? MINIBROWSER_PATH, args } } },
      })) as { sessionId: string; capabilities: { browserVersion?: string } };
      session.#id = created.sessionId;
      session.version = created.capabilities.browserVersion ?? '';
      return session;
    } catch (error) {
      session.#killDriver();
      throw error;
    }
  }

  /** WebKitGTK's version, as the driver reports it. */
  version = '';

  #killDriver = (): void => {
    if (this.#driver.pid !== undefined && this.#driver.exitCode === null) {
      try {
        process.kill(-this.#driver.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  };

  async #send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = (await response.json()) as { value: unknown };
    if (!response.ok) {
      const { error, message } = (value ?? {}) as { error?: string; message?: string };
      throw new Error(`WebDriver ${method} ${path}: ${error ?? response.status}: ${message ?? ''}`);
    }
    return value;
  }

  /** A command of this session, serialised with the others. */
  command(method: string, path: string, body?: unknown): Promise<unknown> {
    const run = this.#queue.then(() => this.#send(method, `/session/${this.#id}${path}`, body));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Navigates the top-level page (resolves once it has loaded). */
  async navigate(url: string): Promise<void> {
    await this.command('POST', '/url', { url });
  }

  /**
   * A trusted click, by the driver, on the element `selector` matches inside vitest's test iframe: a
   * plain element click, or pointer actions when the click has a position or is a multi-click.
   */
  async clickInTestFrame(selector: string, request: ClickRequest = { clickCount: 1 }): Promise<void> {
    const run = this.#queue.then(async () => {
      const send = (method: string, path: string, body?: unknown) => this.#send(method, `/session/${this.#id}${path}`, body);
      const frames = (await send('POST', '/elements', { using: 'css selector', value: 'iframe[data-vitest]' })) as unknown[];
      const frame = frames.at(-1);
      if (!frame) throw new Error('The test iframe is not on the page.');
      await send('POST', '/frame', { id: frame });
      try {
        const element = await send('POST', '/element', { using: 'css selector', value: selector });
        if (!request.position && request.clickCount === 1) {
          await send('POST', `/element/${elementId(element)}/click`, {});
          return;
        }
        // A pointer move's offset from an element origin is from the element's in-view centre.
        const rect = (await send('GET', `/element/${elementId(element)}/rect`)) as { width: number; height: number };
        const x = request.position ? Math.round(request.position.x - rect.width / 2) : 0;
        const y = request.position ? Math.round(request.position.y - rect.height / 2) : 0;
        const presses = Array.from({ length: request.clickCount }, () => [
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
        ]).flat();
        await send('POST', '/actions', {
          actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions: [{ type: 'pointerMove', duration: 0, origin: element, x, y }, ...presses] }],
        });
        await send('DELETE', '/actions');
      } finally {
        await send('POST', '/frame/parent', {});
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Ends the session (closing MiniBrowser) and the driver. */
  async close(): Promise<void> {
    process.off('exit', this.#killDriver);
    if (this.#id) await this.#send('DELETE', `/session/${this.#id}`).catch(() => undefined);
    this.#killDriver();
  }
}

/**
 * The provider for a vitest project: `browser: { provider: webkit(), instances: [{ browser: 'webkit' }] }`.
 */
export function webkit(options: WebKitProviderOptions = {}): BrowserProviderOption<WebKitProviderOptions> {
  return defineBrowserProvider({
    name: 'webkit-webdriver',
    supportedBrowser: ['webkit'],
    options,
    providerFactory: (project) => new WebKitWebDriverProvider(project, options),
  });
}

class WebKitWebDriverProvider implements BrowserProvider {
  readonly name = 'webkit-webdriver';
  // One MiniBrowser window, one page: test files run one after another.
  readonly supportsParallelism = false;
  readonly initScripts = [fileURLToPath(new URL('./domLocators.ts', import.meta.url))];
  #options: WebKitProviderOptions;
  #session: Promise<WebKitSession> | undefined;

  constructor(project: TestProject, options: WebKitProviderOptions) {
    this.#options = options;
    registerClick(project, async (_context, selector, request) => {
      const session = await this.#session;
      if (!session) throw new Error('WebKit is not running.');
      await session.clickInTestFrame(selector, request);
    });
  }

  getCommandsContext(): Record<string, unknown> {
    return {};
  }

  async openPage(_sessionId: string, url: string): Promise<void> {
    this.#session ??= WebKitSession.start(this.#options);
    const session = await this.#session;
    await session.navigate(url);
  }

  async close(): Promise<void> {
    const session = await this.#session?.catch(() => undefined);
    this.#session = undefined;
    await session?.close();
  }
}
