import { SYSTEM_VOICES } from './voiceData';

/** Models that have system voices. (`cosyvoice-v3.5-*` have only cloned or designed voices.) */
export type CatalogModel = 'cosyvoice-v3-flash' | 'cosyvoice-v3-plus' | 'cosyvoice-v2' | 'cosyvoice-v1';

/** One voice: a system voice from the catalog, or an account's custom (cloned/designed) voice. */
export interface Voice {
  /** The id sent as `parameters.voice`. */
  id: string;
  /** Display name (Chinese for system voices, e.g. 龙安洋). */
  name: string;
  /** The model this voice works with (each model accepts only its own voices). */
  model: string;
  /** Languages it speaks, e.g. `['Chinese (Mandarin)', 'English']`. */
  languages: string[];
  /** Voice gender, where the catalog states one. */
  gender?: 'male' | 'female';
  /** Trait, age and scenario from the catalog. */
  description: string;
  /** Accepts SSML. */
  supportsSsml: boolean;
  /** Returns word timestamps. */
  supportsTimestamps: boolean;
  /** Accepts `instruction`. */
  supportsInstruct: boolean;
  /** An account's cloned or designed voice (from `list_voice`), not a system voice. */
  custom?: boolean;
  /** For custom voices: `OK`, `DEPLOYING` or `UNDEPLOYED`. */
  status?: string;
}

/** What {@link filterVoices} can select on; every field narrows the list. */
export interface VoiceFilter {
  /** Only voices of this model. */
  model?: string;
  /** Only voices speaking this language: a code (`zh`, `en`, `ja`, `ko`, `yue`) or a name fragment (`Cantonese`). */
  language?: string;
  /** Only this gender. */
  gender?: 'male' | 'female';
  /** Only voices that accept SSML. */
  ssml?: boolean;
  /** Only voices with word timestamps. */
  timestamps?: boolean;
  /** Only voices that accept an instruction. */
  instruct?: boolean;
  /** Only custom voices (`true`) or only system voices (`false`). */
  custom?: boolean;
  /** Free-text match on id, name and description. */
  query?: string;
}

const LANGUAGE_NAMES: Record<string, string> = {
  zh: 'Chinese',
  cmn: 'Chinese (Mandarin)',
  yue: 'Cantonese',
  en: 'English',
  ja: 'Japanese',
  ko: 'Korean',
};

/** Whether a voice speaks a language given as a code or a name fragment. */
export function voiceSpeaks(voice: Voice, language: string): boolean {
  const needle = (LANGUAGE_NAMES[language.toLowerCase()] ?? language).toLowerCase();
  return voice.languages.some((name) => name.toLowerCase().includes(needle));
}

/**
 * Filters voices; without a list, filters the system catalog.
 *
 * @example
 * filterVoices({ model: 'cosyvoice-v3-flash', language: 'en', timestamps: true })
 */
export function filterVoices(filter: VoiceFilter = {}, voices: readonly Voice[] = SYSTEM_VOICES): Voice[] {
  const query = filter.query?.trim().toLowerCase();
  return voices.filter(
    (voice) =>
      (filter.model === undefined || voice.model === filter.model) &&
      (filter.language === undefined || voiceSpeaks(voice, filter.language)) &&
      (filter.gender === undefined || voice.gender === filter.gender) &&
      (filter.ssml === undefined || voice.supportsSsml === filter.ssml) &&
      (filter.timestamps === undefined || voice.supportsTimestamps === filter.timestamps) &&
      (filter.instruct === undefined || voice.supportsInstruct === filter.instruct) &&
      (filter.custom === undefined || Boolean(voice.custom) === filter.custom) &&
      (!query || `${voice.id} ${voice.name} ${voice.description}`.toLowerCase().includes(query)),
  );
}

/** The system voice with this id for this model (ids such as `longanyang` exist under two models). */
export function findVoice(voiceId: string, model?: string): Voice | undefined {
  return SYSTEM_VOICES.find((voice) => voice.id === voiceId && (model === undefined || voice.model === model));
}

/** The models that have system voices. */
export const CATALOG_MODELS: readonly CatalogModel[] = /* @__PURE__ */ Object.freeze(['cosyvoice-v3-flash', 'cosyvoice-v3-plus', 'cosyvoice-v2', 'cosyvoice-v1']);

/** Emotion values of the fixed instruction formats for instruct-capable system voices. */
export const INSTRUCTION_EMOTIONS = /* @__PURE__ */ Object.freeze(['neutral', 'fearful', 'angry', 'sad', 'surprised', 'happy', 'disgusted'] as const);

/** One emotion of {@link INSTRUCTION_EMOTIONS}. */
export type InstructionEmotion = (typeof INSTRUCTION_EMOTIONS)[number];

/** The scenes, roles and identities each instruct-capable system voice accepts. */
export const SYSTEM_VOICE_INSTRUCTIONS: Readonly<Record<string, { scenes: readonly string[]; roles: readonly string[]; identities: readonly string[]; rolePrefix: string }>> = /* @__PURE__ */ Object.freeze({
  longanyang: { scenes: ['闲聊互动', '新闻播报', '广告促销', '比赛解说', '一些儿童内容解说', '语音导航', '脱口秀表演'], roles: ['一个旁白'], identities: ['故事机'], rolePrefix: '你现在说话的角色是' },
  longanhuan: { scenes: ['闲聊对话', '比赛解说', '深夜电台广播', '剧情解说', '诗歌朗诵', '科普知识推广', '产品推广', '脱口秀表演'], roles: ['温和客服'], identities: [], rolePrefix: '你说话的角色是' },
  longhuhu_v3: { scenes: ['自由对话', '广告促销'], roles: ['傲娇公主', '元气少女', '可爱孩童', '机器人', '小猪佩奇'], identities: ['故事机', '儿童玩具'], rolePrefix: '你说话的角色是' },
});

/**
 * Builds an instruction in one of the exact formats system voices accept (they must match, ending in "。").
 *
 * @example
 * systemVoiceInstruction('longanyang', { emotion: 'happy', scene: '新闻播报' }) // '你正在进行新闻播报，你说话的情感是happy。'
 */
export function systemVoiceInstruction(
  voiceId: string,
  options: { emotion: InstructionEmotion; scene?: string; role?: string; identity?: string },
): string {
  const spec = SYSTEM_VOICE_INSTRUCTIONS[voiceId];
  const emotion = `你说话的情感是${options.emotion}。`;
  if (!(INSTRUCTION_EMOTIONS as readonly string[]).includes(options.emotion)) {
    throw new RangeError(`emotion must be one of ${INSTRUCTION_EMOTIONS.join(', ')}; received ${JSON.stringify(options.emotion)}`);
  }
  if (!spec) {
    if (options.scene || options.role || options.identity) throw new RangeError(`${voiceId} has no fixed scenes, roles or identities`);
    return emotion;
  }
  const pick = (kind: 'scenes' | 'roles' | 'identities', value: string): string => {
    if (!spec[kind].includes(value)) throw new RangeError(`${voiceId} accepts ${kind} ${spec[kind].join(', ') || '(none)'}; received ${JSON.stringify(value)}`);
    return value;
  };
  if (options.scene) return `你正在进行${pick('scenes', options.scene)}，${emotion}`;
  if (options.role) return `${spec.rolePrefix}${pick('roles', options.role)}，${emotion}`;
  if (options.identity) return `你正在以一个${pick('identities', options.identity)}的身份说话，${emotion}`;
  return emotion;
}

export { SYSTEM_VOICES };
