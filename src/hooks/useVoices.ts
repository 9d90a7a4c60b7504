import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { customVoiceToVoice, listCustomVoices } from '../core/customVoices';
import { filterVoices, SYSTEM_VOICES, type Voice, type VoiceFilter } from '../core/voiceCatalog';
import { useStableValue } from './internal/useStableValue';
import { useSpeechContext } from './SpeechContext';

/** What {@link useVoices} returns: react-query's state plus the merged, filtered list. */
export interface UseVoicesResult {
  /** System voices of the model (at once) plus the account's custom voices (once listed), filtered. */
  voices: Voice[];
  /** `pending` while custom voices load, `error` when listing them failed (system voices are still there). */
  status: 'pending' | 'error' | 'success';
  isLoading: boolean;
  /** Why listing custom voices failed. */
  error: Error | null;
  /** Loads custom voices again. */
  refetch(): void;
}

/** The react-query key under which custom voices are cached. */
export const CUSTOM_VOICES_QUERY_KEY = ['cosyvoice-react', 'custom-voices'] as const;

/**
 * The voices to choose from: the system catalog (for `filter.model`, default the provider's model)
 * merged with the account's custom voices (`list_voice` through the transport's HTTP side, when it has
 * one), then filtered by language, gender and capabilities. Cached with react-query.
 *
 * @example
 * const { voices, isLoading } = useVoices({ language: 'en', timestamps: true });
 */
export function useVoices(filter: VoiceFilter = {}): UseVoicesResult {
  const context = useSpeechContext('useVoices');
  const http = context.transport.http;
  const query = useQuery(
    {
      queryKey: [...CUSTOM_VOICES_QUERY_KEY, context.transport.description],
      queryFn: async ({ signal }) => (http ? (await listCustomVoices(http, { signal })).map(customVoiceToVoice) : []),
      staleTime: 5 * 60_000,
      retry: 1,
    },
    context.queryClient,
  );
  const stableFilter = useStableValue({ ...filter, model: filter.model ?? context.defaults.model });
  // The system catalog needs no request: it is there while custom voices load, or after listing them failed.
  const voices = useMemo(() => filterVoices(stableFilter, [...(query.data ?? []), ...SYSTEM_VOICES]), [query.data, stableFilter]);
  const { refetch: refetchQuery } = query;
  const refetch = useCallback(() => void refetchQuery(), [refetchQuery]);
  return {
    voices,
    status: query.status,
    isLoading: query.isLoading,
    error: query.error,
    refetch,
  };
}
