import type { LimitDecision } from './ClientLimiter';
import { requireFromHere } from './loadModule';

/** The optional peer the metrics are built on (loaded only when metrics are on). */
export const PROM_CLIENT_PACKAGE = 'prom-client';

/** How a task the proxy admitted ended. */
export type TaskOutcome = 'finished' | 'failed' | 'cancelled' | 'aborted' | 'drained';
/** Where a task's audio came from. */
export type TaskSource = 'upstream' | 'cache';
/** Why a task or connection was refused before anything went upstream. */
export type RefusalReason = Exclude<LimitDecision, 'ok'> | 'policy' | 'authorize' | 'draining';

/**
 * What the proxy reports as it works. {@link NO_METRICS} when metrics are off (no package loaded), or
 * Prometheus metrics through `prom-client` ({@link createPrometheusMetrics}).
 */
export interface ProxyMetrics {
  taskEnded(outcome: TaskOutcome, source: TaskSource): void;
  refused(kind: 'task' | 'connection', reason: RefusalReason): void;
  /** Characters billed by the upstream (its `usage.characters` at `task-finished`). */
  charactersRelayed(count: number): void;
  /** Characters a cache hit would have cost (the original's `usage.characters`). */
  charactersFromCache(count: number): void;
  cacheLookup(hit: boolean): void;
  cacheStored(): void;
  /** Seconds from the `run-task` to the first audio frame: sent upstream → received, or received from the client → sent to it. */
  firstAudio(side: 'upstream' | 'downstream', seconds: number): void;
  connection(side: 'client' | 'upstream', change: 1 | -1): void;
  /** An upstream connection was opened fresh, taken warm from the pool, or reused for a later task. */
  upstreamUsed(how: 'opened' | 'warm' | 'reused'): void;
  /** The Prometheus text exposition, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Metrics off: every report is dropped. */
export const NO_METRICS: ProxyMetrics = Object.freeze({
  taskEnded: () => undefined,
  refused: () => undefined,
  charactersRelayed: () => undefined,
  charactersFromCache: () => undefined,
  cacheLookup: () => undefined,
  cacheStored: () => undefined,
  firstAudio: () => undefined,
  connection: () => undefined,
  upstreamUsed: () => undefined,
  render: async () => ({ contentType: 'text/plain', body: '' }),
});

interface PromClient {
  Registry: new () => { metrics(): Promise<string>; contentType: string };
  Counter: new (config: Record<string, unknown>) => { inc(labels?: Record<string, string>, value?: number): void; inc(value?: number): void };
  Gauge: new (config: Record<string, unknown>) => { inc(labels: Record<string, string>, value?: number): void };
  Histogram: new (config: Record<string, unknown>) => { observe(labels: Record<string, string>, value: number): void };
}

/** Buckets for time to first audio, in seconds: loopback cache hits to a slow first connect. */
const FIRST_AUDIO_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5];

/**
 * Prometheus metrics of one proxy, in a registry of its own (several proxies in one process do not
 * collide; add `collectDefaultMetrics` to it yourself if you want process metrics). Names start with
 * `prefix`:
 * - `tasks_total{outcome,source}`: tasks admitted, by how they ended (`finished`, `failed`,
 *   `cancelled`, `aborted` — the client left —, `drained`) and where the audio came from (`upstream`, `cache`);
 * - `refusals_total{kind,reason}`: connections and tasks refused (`connections`, `concurrency`, `rate`,
 *   `unavailable` — the store is down —, `policy`, `authorize`, `draining`);
 * - `characters_total{source}`: characters billed upstream, and characters served from the cache;
 * - `cache_lookups_total{result}` (`hit`, `miss`), `cache_stores_total`;
 * - `first_audio_seconds{side}` (histogram): `run-task` to first audio frame, upstream and downstream;
 * - `open_connections{side}` (gauge): client and upstream sockets;
 * - `upstream_connections_total{how}`: upstream sockets `opened`, taken `warm` from the pool, `reused` for a later task.
 *
 * @example
 * const metrics = createPrometheusMetrics('cosyvoice_proxy_');
 * const { contentType, body } = await metrics.render();
 */
export function createPrometheusMetrics(prefix: string): ProxyMetrics {
  let prom: PromClient;
  try {
    prom = requireFromHere(PROM_CLIENT_PACKAGE) as PromClient;
  } catch (error) {
    throw new Error(`createSynthesisProxy: metrics need the optional peer ${PROM_CLIENT_PACKAGE}: npm install ${PROM_CLIENT_PACKAGE}@15 (${(error as Error).message})`);
  }
  const registry = new prom.Registry();
  const registers = [registry];
  const tasks = new prom.Counter({ name: `${prefix}tasks_total`, help: 'Tasks admitted, by outcome and source of the audio', labelNames: ['outcome', 'source'], registers });
  const refusals = new prom.Counter({ name: `${prefix}refusals_total`, help: 'Connections and tasks refused before reaching the upstream, by reason', labelNames: ['kind', 'reason'], registers });
  const characters = new prom.Counter({ name: `${prefix}characters_total`, help: 'Characters billed upstream, and characters served from the cache', labelNames: ['source'], registers });
  const lookups = new prom.Counter({ name: `${prefix}cache_lookups_total`, help: 'Synthesis cache lookups, by result', labelNames: ['result'], registers });
  const stores = new prom.Counter({ name: `${prefix}cache_stores_total`, help: 'Completed syntheses stored in the cache', registers });
  const firstAudio = new prom.Histogram({ name: `${prefix}first_audio_seconds`, help: 'Time from run-task to the first audio frame, upstream and downstream', labelNames: ['side'], buckets: FIRST_AUDIO_BUCKETS, registers });
  const open = new prom.Gauge({ name: `${prefix}open_connections`, help: 'Open WebSocket connections, client and upstream side', labelNames: ['side'], registers });
  const upstream = new prom.Counter({ name: `${prefix}upstream_connections_total`, help: 'Upstream connections opened, taken warm from the pool, or reused for a later task', labelNames: ['how'], registers });
  // Every series exists from the start, so a rate() over a counter that has not moved yet reads 0.
  for (const source of ['upstream', 'cache']) characters.inc({ source }, 0);
  for (const result of ['hit', 'miss']) lookups.inc({ result }, 0);
  for (const side of ['client', 'upstream']) open.inc({ side }, 0);
  return {
    taskEnded: (outcome, source) => tasks.inc({ outcome, source }),
    refused: (kind, reason) => refusals.inc({ kind, reason }),
    charactersRelayed: (count) => characters.inc({ source: 'upstream' }, count),
    charactersFromCache: (count) => characters.inc({ source: 'cache' }, count),
    cacheLookup: (hit) => lookups.inc({ result: hit ? 'hit' : 'miss' }),
    cacheStored: () => stores.inc(),
    firstAudio: (side, seconds) => firstAudio.observe({ side }, seconds),
    connection: (side, change) => open.inc({ side }, change),
    upstreamUsed: (how) => upstream.inc({ how }),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
