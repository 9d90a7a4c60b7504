import { randomBytes } from 'node:crypto';

/** A custom (cloned or designed) voice of the local server, as `list_voice` / `query_voice` describe it. */
export interface LocalCustomVoice {
  /** e.g. `cosyvoice-v3-plus-myvoice-0123abcd`. */
  voiceId: string;
  /** The model it works with. @default read from the id (`cosyvoice-v3-plus-…`), else `cosyvoice-v3-plus` */
  targetModel?: string;
  /** `OK` (usable), `DEPLOYING` or `UNDEPLOYED`. @default 'OK' */
  status?: 'OK' | 'DEPLOYING' | 'UNDEPLOYED';
  /** The enrollment audio URL. @default '' */
  resourceLink?: string;
  /** `yyyy-MM-dd HH:mm:ss`. @default now */
  gmtCreate?: string;
}

function timestamp(date = new Date()): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

function modelFromId(voiceId: string): string {
  return /^(cosyvoice-v[0-9.]+(?:-(?:plus|flash))?)-/.exec(voiceId)?.[1] ?? 'cosyvoice-v3-plus';
}

/**
 * The local server's in-memory set of custom voices, answering the enrollment service's actions
 * (`list_voice`, `query_voice`, and `create_voice` / `update_voice` / `delete_voice` for completeness).
 *
 * @example
 * const store = new CustomVoiceStore([{ voiceId: 'cosyvoice-v3-plus-demo-0001' }]);
 * store.isUsable('cosyvoice-v3-plus-demo-0001', 'cosyvoice-v3-plus'); // true
 */
export class CustomVoiceStore {
  readonly #voices = new Map<string, Required<LocalCustomVoice> & { gmtModified: string }>();

  constructor(voices: ReadonlyArray<LocalCustomVoice | string> = []) {
    for (const voice of voices) this.add(typeof voice === 'string' ? { voiceId: voice } : voice);
  }

  /** Adds (or replaces) a voice. */
  add(voice: LocalCustomVoice): void {
    const created = voice.gmtCreate ?? timestamp();
    this.#voices.set(voice.voiceId, {
      voiceId: voice.voiceId,
      targetModel: voice.targetModel ?? modelFromId(voice.voiceId),
      status: voice.status ?? 'OK',
      resourceLink: voice.resourceLink ?? '',
      gmtCreate: created,
      gmtModified: created,
    });
  }

  /** Whether a voice id is a usable (status `OK`) custom voice of `model`. */
  isUsable(voiceId: string, model: string): boolean {
    const voice = this.#voices.get(voiceId);
    return voice !== undefined && voice.status === 'OK' && voice.targetModel === model;
  }

  /**
   * Answers one enrollment request body (`{ model: 'voice-enrollment', input: { action, … } }`) with the
   * service's `[status, body]`.
   */
  handle(body: unknown, requestId: string): [number, Record<string, unknown>] {
    const input = (body as { input?: Record<string, unknown> } | undefined)?.input;
    const error = (message: string, code = 'InvalidParameter', status = 400): [number, Record<string, unknown>] => [status, { code, message, request_id: requestId }];
    if (typeof input !== 'object' || input === null) return error('Missing required parameter \'input\'! Please follow the protocol!');
    const ok = (output: Record<string, unknown>): [number, Record<string, unknown>] => [200, { output, usage: { count: 1 }, request_id: requestId }];
    switch (input.action) {
      case 'list_voice': {
        const prefix = typeof input.prefix === 'string' ? input.prefix : '';
        const pageIndex = Number.isInteger(input.page_index) ? (input.page_index as number) : 0;
        const pageSize = Number.isInteger(input.page_size) ? (input.page_size as number) : 10;
        if (pageIndex < 0 || pageSize < 1 || pageSize > 1000) return error('page_index must be ≥ 0 and page_size 1–1000');
        const list = [...this.#voices.values()]
          .filter((voice) => prefix === '' || voice.voiceId.includes(`-${prefix}-`) || voice.voiceId.startsWith(prefix))
          .slice(pageIndex * pageSize, (pageIndex + 1) * pageSize)
          .map((voice) => ({ gmt_create: voice.gmtCreate, voice_id: voice.voiceId, gmt_modified: voice.gmtModified, status: voice.status }));
        return ok({ voice_list: list });
      }
      case 'query_voice': {
        const voice = typeof input.voice_id === 'string' ? this.#voices.get(input.voice_id) : undefined;
        if (!voice) return error(`voice not found: ${String(input.voice_id)}`, 'BadRequest.ResourceNotExist', 404);
        return ok({ gmt_create: voice.gmtCreate, resource_link: voice.resourceLink, target_model: voice.targetModel, gmt_modified: voice.gmtModified, status: voice.status });
      }
      case 'create_voice': {
        const target = typeof input.target_model === 'string' ? input.target_model : '';
        const prefix = typeof input.prefix === 'string' ? input.prefix : '';
        if (!target) return error("Missing required parameter 'input.target_model'! Please follow the protocol!");
        if (!/^[a-z0-9_]{1,10}$/i.test(prefix)) return error('prefix must be 1–10 letters, digits or underscores');
        const voiceId = `${target}-${prefix}-${randomBytes(4).toString('hex')}`;
        this.add({ voiceId, targetModel: target, resourceLink: typeof input.url === 'string' ? input.url : '' });
        return ok({ voice_id: voiceId });
      }
      case 'update_voice':
      case 'delete_voice': {
        const id = typeof input.voice_id === 'string' ? input.voice_id : '';
        const voice = this.#voices.get(id);
        if (!voice) return error(`voice not found: ${id}`, 'BadRequest.ResourceNotExist', 404);
        if (input.action === 'delete_voice') this.#voices.delete(id);
        else {
          voice.gmtModified = timestamp();
          if (typeof input.url === 'string') voice.resourceLink = input.url;
        }
        return ok({});
      }
      default:
        return error(`Unsupported action: ${String(input.action)}`);
    }
  }
}
