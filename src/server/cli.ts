#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLocalVoiceServer } from './createLocalVoiceServer';
import { createSynthesisProxy } from './createSynthesisProxy';

const USAGE = `Usage: cosyvoice-react serve [--host 127.0.0.1] [--port 8765] [--engine auto|espeak|tone]
                            [--upstream cn|intl|URL] [--allowed-origin ORIGIN]... [--allow-anonymous-tokens]

Without DASHSCOPE_API_KEY: a local DashScope-compatible voice server (offline speech).
With DASHSCOPE_API_KEY:    a proxy to --upstream (default: the real service, cn) holding the key.
                           POST /api/v1/tokens answers 403 unless --allow-anonymous-tokens is given
                           (then anyone who can reach it gets temporary keys: development only).
The first line printed is the WebSocket URL.`;

/**
 * The `cosyvoice-react` command: `serve` starts the local voice server, or the proxy when
 * `DASHSCOPE_API_KEY` is set. Prints the WebSocket URL first; SIGINT/SIGTERM close every socket and exit 0.
 *
 * @example
 * // npx cosyvoice-react serve --port 0 --engine tone
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8765' },
        engine: { type: 'string', default: 'auto' },
        upstream: { type: 'string' },
        'allowed-origin': { type: 'string', multiple: true },
        'allow-anonymous-tokens': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be 0–65535; received ${values.port}\n`);
    return 2;
  }
  const engine = values.engine as 'auto' | 'espeak' | 'tone';
  if (!['auto', 'espeak', 'tone'].includes(engine)) {
    process.stderr.write(`--engine must be auto, espeak or tone; received ${values.engine}\n`);
    return 2;
  }
  const apiKey = env.DASHSCOPE_API_KEY;
  let running: { listen(): Promise<string>; close(): Promise<void> };
  let description: string;
  try {
    if (apiKey) {
      running = createSynthesisProxy({
        apiKey,
        upstream: values.upstream,
        port,
        host: values.host,
        allowedOrigins: values['allowed-origin'],
        allowAnonymousTokens: values['allow-anonymous-tokens'],
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const tokens = values['allow-anonymous-tokens'] ? 'tokens for any caller' : 'token minting off';
      description = `proxy to ${values.upstream ?? 'cn'} (API key from DASHSCOPE_API_KEY; ${tokens})`;
    } else {
      const server = createLocalVoiceServer({ engine, port, host: values.host });
      running = server;
      description = `local voice server, engine ${server.engine.name}`;
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const url = await running.listen();
  process.stdout.write(`${url}\n`);
  process.stderr.write(`cosyvoice-react: ${description}. Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  return 0;
}

// Run when executed directly (bin or `tsx src/server/cli.ts`), not when imported.
const invoked = process.argv[1] ?? '';
if (/cli\.(ts|js|cjs|mjs)$/.test(invoked) || /cosyvoice-react$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
