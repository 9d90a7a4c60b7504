import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { SynthesisToken } from '../core/index';
import { useLatestRef } from './internal/useLatestRef';
import { useOwnQueryClient } from './internal/useOwnQueryClient';
import { useStableValue } from './internal/useStableValue';
import { useOptionalSpeechContext } from './SpeechContext';

const DEFAULT_TOKEN_QUERY_KEY = /* @__PURE__ */ Object.freeze(['cosyvoice-react', 'token'] as const);

/** Options of {@link useSynthesisToken}. */
export interface UseSynthesisTokenOptions {
  /** Refresh this long before `expiresAt`. @default 10000 */
  refreshMarginMs?: number;
  /** Cache key, when an app has more than one token source. @default ['cosyvoice-react', 'token'] */
  queryKey?: readonly unknown[];
  /**
   * The react-query client. @default the enclosing `SpeechProvider`'s, else one of this hook's own
   * (the token is often needed to build the provider's transport, above any provider).
   */
  queryClient?: QueryClient;
}

/** What {@link useSynthesisToken} returns. */
export interface UseSynthesisTokenResult {
  /** The current token, once fetched. */
  token: string | undefined;
  /** When it expires (ms since the epoch). */
  expiresAt: number | undefined;
  status: 'pending' | 'error' | 'success';
  error: Error | null;
  /**
   * A stable `getToken` for `directTransport`: returns a token valid for at least `refreshMarginMs`,
   * from the cache or freshly fetched.
   */
  getToken(): Promise<SynthesisToken>;
}

/**
 * Caches a short-lived token from your backend (`{ token, expiresAt }`, e.g. from the library's token
 * endpoint) with react-query and refreshes it before it expires.
 *
 * @example
 * const { getToken } = useSynthesisToken(() => fetch('/api/tts-token').then((r) => r.json()));
 * const transport = useMemo(() => directTransport({ getToken }), [getToken]);
 */
export function useSynthesisToken(fetchToken: () => Promise<SynthesisToken>, options: UseSynthesisTokenOptions = {}): UseSynthesisTokenResult {
  const context = useOptionalSpeechContext();
  const ownClient = useOwnQueryClient(!options.queryClient && !context);
  const queryClient = options.queryClient ?? context?.queryClient ?? ownClient!;
  const fetchRef = useLatestRef(fetchToken);
  const margin = options.refreshMarginMs ?? 10_000;
  const queryKey = useStableValue(options.queryKey ?? DEFAULT_TOKEN_QUERY_KEY);
  const queryFn = useCallback(async () => {
    const token = await fetchRef.current();
    if (!token || typeof token.token !== 'string' || typeof token.expiresAt !== 'number') {
      throw new Error('fetchToken must resolve to { token: string, expiresAt: number (ms since the epoch) }');
    }
    return token;
  }, [fetchRef]);
  const query = useQuery(
    {
      queryKey,
      queryFn,
      staleTime: (q) => (q.state.data ? Math.max(0, q.state.data.expiresAt - margin - Date.now()) : 0),
      refetchInterval: (q) => (q.state.data ? Math.max(1000, q.state.data.expiresAt - margin - Date.now()) : false),
      refetchIntervalInBackground: true,
      retry: 2,
    },
    queryClient,
  );
  const getToken = useCallback(
    () =>
      queryClient.fetchQuery({
        queryKey,
        queryFn,
        staleTime: (q) => (q.state.data ? Math.max(0, (q.state.data as SynthesisToken).expiresAt - margin - Date.now()) : 0),
      }) as Promise<SynthesisToken>,
    [queryClient, queryKey, queryFn, margin],
  );
  return { token: query.data?.token, expiresAt: query.data?.expiresAt, status: query.status, error: query.error, getToken };
}
