import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from './builtPackage';

const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'];
const STALE_CACHE_MS = 24 * 60 * 60 * 1000;

/** An example app copied out of the repository and installed from the packed tarball. */
export interface ExampleApp {
  dir: string;
  /** Runs a package binary of the app (e.g. `next`, `vite`) with Node; returns stdout and stderr together, throws if it fails. */
  run(bin: string, args: string[], env?: NodeJS.ProcessEnv): string;
  cleanup(): void;
}

/**
 * `examples/<name>` in a scratch folder, installed from the freshly packed tarball as an outside
 * project would install it. Its other dependencies (Next.js is ~400 MB) are installed once into a
 * cache folder keyed by the example's package.json and the Node version, and hard-linked from there
 * (well under a second); each run then installs only the new tarball. Both live outside the
 * repository on purpose: Next.js takes a lockfile above the app as the workspace root, and with the
 * repository's lockfile above it Turbopack's build fails.
 */
export function prepareExampleApp(name: string): ExampleApp {
  const source = path.join(projectRoot, 'examples', name);
  const manifest = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const packDir = mkdtempSync(path.join(tmpdir(), 'cosyvoice-pack-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: projectRoot, encoding: 'utf8' }).trim().split('\n').pop()!;
  const tarballBytes = readFileSync(path.join(packDir, packed));
  // A new file name per build, so npm installs the new contents instead of trusting its lockfile.
  const tarball = `cosyvoice-react-${createHash('sha256').update(tarballBytes).digest('hex').slice(0, 16)}.tgz`;
  rmSync(packDir, { recursive: true, force: true });

  const withTarball = (dir: string) => {
    writeFileSync(path.join(dir, tarball), tarballBytes);
    const pkg = { ...manifest, dependencies: { ...manifest.dependencies, 'cosyvoice-react': `file:./${tarball}` } };
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  };

  const key = createHash('sha256')
    .update(JSON.stringify({ manifest: { ...manifest, dependencies: { ...manifest.dependencies, 'cosyvoice-react': '' } }, node: process.version }))
    .digest('hex')
    .slice(0, 16);
  const cacheRoot = path.join(tmpdir(), 'cosyvoice-react-example-apps');
  const cache = path.join(cacheRoot, `${name}-${key}`);
  mkdirSync(cacheRoot, { recursive: true });
  if (!existsSync(cache)) {
    // Installed beside the cache and renamed into place, so a run that stops halfway, or a second run
    // at the same time, never leaves or sees a half-installed cache.
    const staging = mkdtempSync(`${cache}.staging-`);
    withTarball(staging);
    execFileSync('npm', NPM_INSTALL, { cwd: staging, stdio: 'pipe' });
    try {
      renameSync(staging, cache);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another run finished first
    }
  }
  const now = new Date();
  utimesSync(cache, now, now); // in use: not stale
  for (const entry of readdirSync(cacheRoot)) {
    const other = path.join(cacheRoot, entry);
    if (entry.startsWith(`${name}-`) && other !== cache && Date.now() - statSync(other).mtimeMs > STALE_CACHE_MS) rmSync(other, { recursive: true, force: true });
  }

  const dir = mkdtempSync(path.join(tmpdir(), `cosyvoice-example-${name}-`));
  const generated = ['node_modules', 'dist', '.next'];
  cpSync(source, dir, { recursive: true, filter: (file) => !path.relative(source, file).split(path.sep).some((part) => generated.includes(part)) });
  execFileSync('cp', ['-al', path.join(cache, 'node_modules'), path.join(dir, 'node_modules')]);
  // npm rewrites this file in place: give the app its own copy instead of a link into the cache.
  const hiddenLockfile = path.join(dir, 'node_modules', '.package-lock.json');
  if (existsSync(hiddenLockfile)) {
    unlinkSync(hiddenLockfile);
    copyFileSync(path.join(cache, 'node_modules', '.package-lock.json'), hiddenLockfile);
  }
  copyFileSync(path.join(cache, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  withTarball(dir);
  execFileSync('npm', NPM_INSTALL, { cwd: dir, stdio: 'pipe' });

  return {
    dir,
    run(bin, args, env = {}) {
      const result = spawnSync(process.execPath, [binPath(dir, bin), ...args], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: appEnv(env),
      });
      const output = `${result.stdout}${result.stderr}`;
      if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${output}`);
      return output;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The environment of a shell, not of the test runner: vitest sets `NODE_ENV=test` (and `VITEST*`),
 * which would give Vite a development build of React and Next.js a non-production server. A variable
 * given as `undefined` in `extra` is removed.
 */
function appEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NEXT_TELEMETRY_DISABLED: '1' };
  for (const [name, value] of Object.entries(process.env)) if (name !== 'NODE_ENV' && !name.startsWith('VITEST')) env[name] = value;
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function binPath(dir: string, bin: string): string {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'node_modules', bin, 'package.json'), 'utf8')) as { bin: string | Record<string, string> };
  const relative = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin[bin]!;
  return path.join(dir, 'node_modules', bin, relative);
}

/** A server the test started; `output` is everything it printed so far. */
export interface RunningServer {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The text without its SGR escape sequences. Tools colour their output when `CI` or `FORCE_COLOR` is
 * set even into a pipe, and Vite then prints the port in bold (`127.0.0.1:\x1b[1m4173\x1b[22m/`).
 */
function withoutColors(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * Starts a server process of an example app and resolves with the URL it prints once it listens
 * (matched by `ready`). Stopped with SIGTERM to its own process group (it may start workers).
 */
export function startServer(dir: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<RunningServer> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: appEnv(env),
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 10_000);
      await exited;
      clearTimeout(killer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(withoutColors(output));
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, output: () => output, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before it was ready:\n${output}`));
    });
  });
}
