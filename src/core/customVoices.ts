import { ProtocolError } from './errors';
import type { SynthesisToken, TransportHttp } from './Transport';
import type { Voice } from './voiceCatalog';
import { isRecord } from './isRecord';

/** The path of the voice enrollment service, relative to `/api/v1`. */
export const CUSTOMIZATION_PATH = '/services/audio/tts/customization';
/** The path of the temporary-key service, relative to `/api/v1`. */
export const TOKENS_PATH = '/tokens';

/** One entry of `list_voice`. */
export interface CustomVoiceEntry {
  voiceId: string;
  status: string;
  gmtCreate?: string;
  gmtModified?: string;
}


/**
 * Lists the account's cloned and designed voices (`list_voice`) through a transport's HTTP side.
 *
 * @example
 * const entries = await listCustomVoices(transport.http!, { pageSize: 100 });
 */
export async function listCustomVoices(
  http: TransportHttp,
  options: { prefix?: string; pageIndex?: number; pageSize?: number; signal?: AbortSignal } = {},
): Promise<CustomVoiceEntry[]> {
  const input: Record<string, unknown> = { action: 'list_voice', page_index: options.pageIndex ?? 0, page_size: options.pageSize ?? 100 };
  if (options.prefix) input.prefix = options.prefix;
  const body = await http.post(CUSTOMIZATION_PATH, { model: 'voice-enrollment', parameters: {}, input }, { signal: options.signal });
  const list = isRecord(body) && isRecord(body.output) ? body.output.voice_list : undefined;
  if (!Array.isArray(list)) throw new ProtocolError('list_voice answer has no output.voice_list array', JSON.stringify(body));
  return list.filter(isRecord).flatMap((item) =>
    typeof item.voice_id === 'string'
      ? [{
          voiceId: item.voice_id,
          status: typeof item.status === 'string' ? item.status : 'OK',
          gmtCreate: typeof item.gmt_create === 'string' ? item.gmt_create : undefined,
          gmtModified: typeof item.gmt_modified === 'string' ? item.gmt_modified : undefined,
        }]
      : [],
  );
}

/**
 * Describes a custom voice as a {@link Voice}. The model is read from the id
 * (`cosyvoice-v3-plus-myvoice-xxxx` → `cosyvoice-v3-plus`); capabilities are those of clone voices.
 */
export function customVoiceToVoice(entry: CustomVoiceEntry): Voice {
  const model = /^(cosyvoice-v[0-9.]+(?:-(?:plus|flash))?)-/.exec(entry.voiceId)?.[1] ?? 'unknown';
  const designed = entry.voiceId.includes('-vd-');
  return {
    id: entry.voiceId,
    name: entry.voiceId.replace(/^cosyvoice-v[0-9.]+(?:-(?:plus|flash))?-/, ''),
    model,
    languages: [],
    description: `${designed ? 'Designed' : 'Cloned'} voice (${entry.status})`,
    supportsSsml: model !== 'cosyvoice-v1',
    supportsTimestamps: model !== 'cosyvoice-v1',
    supportsInstruct: /v3(\.5)?-flash|v3\.5-plus/.test(model),
    custom: true,
    status: entry.status,
  };
}

/**
 * Asks `POST /api/v1/tokens` for a temporary key (server side: the HTTP side must carry the real key).
 * Returns `{ token, expiresAt }` with `expiresAt` in ms.
 */
export async function requestTemporaryToken(http: TransportHttp, expireInSeconds = 60): Promise<SynthesisToken> {
  const body = await http.post(TOKENS_PATH, {}, { query: { expire_in_seconds: expireInSeconds } });
  if (!isRecord(body) || typeof body.token !== 'string' || typeof body.expires_at !== 'number') {
    throw new ProtocolError('token answer must be { token, expires_at }', JSON.stringify(body));
  }
  return { token: body.token, expiresAt: body.expires_at * 1000 };
}
