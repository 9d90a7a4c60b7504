import { ValidationError } from './errors';
import type { SynthesisCache } from './SynthesisCache';

/** The part of the Cache Storage API this cache uses (typed here: the core compiles without the DOM library). */
interface CacheLike {
  match(request: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | undefined>;
  put(request: string, response: unknown): Promise<void>;
  delete(request: string): Promise<boolean>;
}
interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
  delete(name: string): Promise<boolean>;
}
type ResponseConstructor = new (body: Uint8Array | string, init?: { headers?: Record<string, string> }) => unknown;

/** Options of {@link createCacheStorageCache}. */
export interface CacheStorageCacheOptions {
  /** The Cache Storage cache to use (one per app, or per user if several sign in on one browser). @default 'cosyvoice-react-utterances' */
  name?: string;
  /** Bytes kept in all; the least recently used utterances go first. @default 50 MiB */
  maxBytes?: number;
  /** Largest utterance kept, in bytes (audio and timeline). @default 8 MiB, at most `maxBytes` */
  maxEntryBytes?: number;
}

/** An origin no request can reach: entries are addressed, never fetched. */
const ENTRY_URL = 'https://cosyvoice-react.invalid/utterance/';
const INDEX_URL = 'https://cosyvoice-react.invalid/index';

interface IndexEntry {
  bytes: number;
  usedAt: number;
}

function positiveBytes(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ValidationError(name, `${name} must be a positive number of bytes, received ${String(value)}`);
  return Math.floor(value);
}

/**
 * A synthesis cache in the browser's Cache Storage (for {@link cachingTransport} or `SpeechProvider`'s
 * `utteranceCache`): completed utterances (audio and word timeline, as the endpoint sent them) survive
 * reloads, so a text read again plays at once, offline too, and bills nothing. Capped at `maxBytes`,
 * least recently used first; the cap is kept per tab (tabs of one origin share entries and may briefly
 * hold more between them). Cache Storage exists only in secure contexts (HTTPS, localhost): elsewhere
 * every lookup is a miss and nothing is stored. Call `clear()` to forget everything (e.g. at sign-out).
 *
 * @example
 * const utteranceCache = createCacheStorageCache({ maxBytes: 20 * 1024 * 1024 });
 * <SpeechProvider transport={transport} utteranceCache={utteranceCache}>…</SpeechProvider>
 */
export function createCacheStorageCache(options: CacheStorageCacheOptions = {}): SynthesisCache & { clear(): Promise<void> } {
  const name = options.name ?? 'cosyvoice-react-utterances';
  const maxBytes = positiveBytes('maxBytes', options.maxBytes, 50 * 1024 * 1024);
  const maxEntryBytes = Math.min(positiveBytes('maxEntryBytes', options.maxEntryBytes, 8 * 1024 * 1024), maxBytes);
  const storage = (globalThis as { caches?: CacheStorageLike }).caches;
  const Response = (globalThis as { Response?: ResponseConstructor }).Response;
  let opened: Promise<{ cache: CacheLike; index: Map<string, IndexEntry> }> | undefined;
  // Writes of the index, one after another.
  let writing: Promise<unknown> = Promise.resolve();

  const open = () =>
    (opened ??= (async () => {
      const cache = await storage!.open(name);
      const index = new Map<string, IndexEntry>();
      try {
        const stored = await cache.match(INDEX_URL);
        const entries = stored ? (JSON.parse(new TextDecoder().decode(new Uint8Array(await stored.arrayBuffer()))) as unknown) : [];
        if (Array.isArray(entries)) {
          for (const item of entries) {
            if (Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'number' && typeof item[2] === 'number') index.set(item[0], { bytes: item[1], usedAt: item[2] });
          }
        }
      } catch {
        // A damaged index: start a new one (entries it listed are dropped as they are met).
      }
      return { cache, index };
    })());

  const saveIndex = (cache: CacheLike, index: Map<string, IndexEntry>) => {
    const body = JSON.stringify([...index].map(([key, entry]) => [key, entry.bytes, entry.usedAt]));
    writing = writing.then(() => cache.put(INDEX_URL, new Response!(body, { headers: { 'content-type': 'application/json' } }))).catch(() => undefined);
    return writing;
  };

  return {
    maxEntryBytes,
    async get(key) {
      if (!storage || !Response) return undefined;
      const { cache, index } = await open();
      const known = index.get(key);
      if (!known) return undefined;
      const stored = await cache.match(ENTRY_URL + key);
      if (!stored) {
        index.delete(key);
        return undefined;
      }
      known.usedAt = Date.now();
      return new Uint8Array(await stored.arrayBuffer());
    },
    async set(key, entry) {
      if (!storage || !Response || entry.byteLength > maxEntryBytes) return;
      const { cache, index } = await open();
      await cache.put(ENTRY_URL + key, new Response(entry, { headers: { 'content-type': 'application/octet-stream' } }));
      index.set(key, { bytes: entry.byteLength, usedAt: Date.now() });
      let total = 0;
      for (const item of index.values()) total += item.bytes;
      if (total > maxBytes) {
        const oldestFirst = [...index].sort((a, b) => a[1].usedAt - b[1].usedAt);
        for (const [oldKey, item] of oldestFirst) {
          if (total <= maxBytes) break;
          if (oldKey === key) continue;
          index.delete(oldKey);
          total -= item.bytes;
          await cache.delete(ENTRY_URL + oldKey);
        }
      }
      await saveIndex(cache, index);
    },
    async clear() {
      opened = undefined;
      if (storage) await storage.delete(name);
    },
  };
}
