import {
  forwardRef,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type FocusEvent,
  type HTMLAttributes,
  type KeyboardEvent,
  type ReactNode,
  type RefAttributes,
} from 'react';
import type { Voice, VoiceFilter } from '../core/index';
import { useSpeechSynthesis, type UseSpeechSynthesisResult } from '../hooks/useSpeechSynthesis';
import { useVoices } from '../hooks/useVoices';
import { composeEventHandlers } from './composeEventHandlers';
import { useAnnouncer } from './useAnnouncer';
import { useControllableState } from './useControllableState';

const VOICE_PICKER_NAME = 'VoicePicker';

/** How long type-ahead keeps the letters typed so far. */
const TYPEAHEAD_RESET_MS = 500;

/* -------------------------------------------------------------------------------------------------
 * Types
 * -----------------------------------------------------------------------------------------------*/

/** Texts of {@link VoicePicker}; override for other languages. */
export interface VoicePickerLabels {
  /** The listbox's accessible name. @default 'Voice' */
  listbox: string;
  /** Shown while custom voices load. @default 'Loading voices…' */
  loading: string;
  /** Shown when listing custom voices failed (system voices stay). @default 'Could not load custom voices.' */
  error: string;
  /** The retry button. @default 'Retry' */
  retry: string;
  /** Shown when no voice matches the filter. @default 'No voices match.' */
  empty: string;
  /** The preview button, for the highlighted voice. @default name => `Preview ${name}` */
  preview: (voiceName: string) => string;
  /** The preview button while that voice is playing. @default name => `Stop preview of ${name}` */
  stopPreview: (voiceName: string) => string;
  /** Marks an account's own (cloned or designed) voice. @default 'Custom' */
  custom: string;
  male: string;
  female: string;
  ssml: string;
  timestamps: string;
  instruct: string;
}

/** The default (English) {@link VoicePickerLabels}. */
export const DEFAULT_VOICE_PICKER_LABELS: VoicePickerLabels = /* @__PURE__ */ Object.freeze({
  listbox: 'Voice',
  loading: 'Loading voices…',
  error: 'Could not load custom voices.',
  retry: 'Retry',
  empty: 'No voices match.',
  preview: (name: string) => `Preview ${name}`,
  stopPreview: (name: string) => `Stop preview of ${name}`,
  custom: 'Custom',
  male: 'male',
  female: 'female',
  ssml: 'SSML',
  timestamps: 'word timestamps',
  instruct: 'instructions',
});

/** A group of voices shown under one heading. */
export interface VoiceGroup {
  key: string;
  label: string;
  voices: Voice[];
}

/** What the picker shows: `loading` custom voices, `error` listing them (system voices remain), or `ready`. */
export type VoicePickerState = 'loading' | 'error' | 'ready';

/** Options of {@link useVoicePicker} (and the non-DOM props of {@link VoicePicker}). */
export interface UseVoicePickerOptions {
  /** The chosen voice id (controlled). */
  value?: string;
  /** The initially chosen voice id (uncontrolled). */
  defaultValue?: string;
  /** Called when the user chooses a voice. */
  onValueChange?: (voiceId: string, voice: Voice | undefined) => void;
  /** Which voices to offer: model (default the provider's), language, gender, SSML, timestamps, instruct, custom, query. */
  filter?: VoiceFilter;
  /** Group options under headings by their first language or by gender. @default 'none' */
  groupBy?: 'none' | 'language' | 'gender';
  /** The sample line a preview speaks. @default a short greeting in the voice's first language */
  previewText?: string | ((voice: Voice) => string);
  /** A `useSpeechSynthesis` result to preview through (e.g. the app's one); default: the picker's own. */
  previewSpeech?: UseSpeechSynthesisResult;
  /** Texts, merged over {@link DEFAULT_VOICE_PICKER_LABELS}. */
  labels?: Partial<VoicePickerLabels>;
}

/** What {@link useVoicePicker} returns: state and prop bags for your own markup. */
export interface UseVoicePickerResult {
  state: VoicePickerState;
  voices: Voice[];
  groups: VoiceGroup[];
  /** The chosen voice id. */
  value: string | undefined;
  selectedVoice: Voice | undefined;
  /** The highlighted option (keyboard or pointer), which the preview button plays. */
  activeVoice: Voice | undefined;
  /** Whether `voice` is being previewed now. */
  isPreviewing(voice: Voice): boolean;
  select(voice: Voice): void;
  /** Speaks the sample line in `voice` (stopping any other preview), or stops it if it is playing. */
  togglePreview(voice: Voice): void;
  error: Error | null;
  retry(): void;
  labels: VoicePickerLabels;
  /** Spread on the `role="listbox"` element. */
  listboxProps: HTMLAttributes<HTMLElement> & {
    role: 'listbox';
    tabIndex: number;
    id: string;
    onKeyDown: (event: KeyboardEvent<HTMLElement>) => void;
    onFocus: (event: FocusEvent<HTMLElement>) => void;
  };
  /** Spread on each option element. */
  getOptionProps(voice: Voice): HTMLAttributes<HTMLElement> & { role: 'option'; id: string; 'aria-selected': boolean };
  /** Props for a group's container and its label, when grouping. */
  getGroupProps(group: VoiceGroup): { groupProps: HTMLAttributes<HTMLElement>; labelProps: HTMLAttributes<HTMLElement> & { id: string } };
  /** Spread on the preview `<button>` (it previews the highlighted voice). */
  previewButtonProps: HTMLAttributes<HTMLButtonElement> & { type: 'button'; disabled: boolean; children: string };
}

/* -------------------------------------------------------------------------------------------------
 * Preview coordination: starting one preview stops any other, in every picker
 * -----------------------------------------------------------------------------------------------*/

let playingPreview: { stop(): void } | undefined;

function defaultSample(voice: Voice): string {
  const first = (voice.languages[0] ?? '').toLowerCase();
  if (first.includes('chinese') || first.includes('cantonese')) {
    return `你好，我是${voice.name}。很高兴为你朗读。`;
  }
  if (first.includes('japanese')) {
    return 'こんにちは。この声で読み上げます。';
  }
  if (first.includes('korean')) {
    return '안녕하세요. 이 목소리로 읽어 드릴게요.';
  }
  return `Hello, I am ${voice.name}. This is how I sound.`;
}

function optionIdFor(base: string, voice: Voice): string {
  return `${base}-${voice.model}-${voice.id}`.replace(/[^\w-]/g, '_');
}

/* -------------------------------------------------------------------------------------------------
 * useVoicePicker
 * -----------------------------------------------------------------------------------------------*/

/**
 * The behaviour of {@link VoicePicker} for your own markup: a single-select listbox (WAI-ARIA APG)
 * with `aria-activedescendant`, arrow keys, Home/End, type-ahead on name and id, Enter/Space to
 * choose; loading and error states from react-query with retry; and a preview of the highlighted
 * voice through one shared speech. Needs a `SpeechProvider`.
 *
 * @example
 * const picker = useVoicePicker({ filter: { language: 'en' }, defaultValue: 'longanyang' });
 * <div {...picker.listboxProps} aria-label="Voice">
 *   {picker.voices.map((voice) => <div key={voice.id} {...picker.getOptionProps(voice)}>{voice.name}</div>)}
 * </div>
 * <button {...picker.previewButtonProps} />
 */
export function useVoicePicker(options: UseVoicePickerOptions = {}): UseVoicePickerResult {
  const { value: valueProp, defaultValue, onValueChange, filter, groupBy = 'none', previewText, previewSpeech, labels: labelOverrides } = options;
  const labels: VoicePickerLabels = { ...DEFAULT_VOICE_PICKER_LABELS, ...labelOverrides };
  const voicesQuery = useVoices(filter);
  const { voices } = voicesQuery;
  const state: VoicePickerState = voicesQuery.status === 'pending' ? 'loading' : voicesQuery.status === 'error' ? 'error' : 'ready';

  const [value, setValue] = useControllableState<string | undefined>({
    prop: valueProp,
    defaultProp: defaultValue,
    onChange: (next) => {
      if (next !== undefined) {
        onValueChange?.(next, voices.find((voice) => voice.id === next));
      }
    },
    caller: VOICE_PICKER_NAME,
  });
  const selectedVoice = voices.find((voice) => voice.id === value);

  const groups = useMemo<VoiceGroup[]>(() => {
    if (groupBy === 'none') {
      return [{ key: 'all', label: '', voices }];
    }
    const byKey = new Map<string, VoiceGroup>();
    for (const voice of voices) {
      const key = groupBy === 'language' ? (voice.languages[0] ?? '—') : (voice.gender ?? '—');
      const label = groupBy === 'gender' && (key === 'male' || key === 'female') ? labels[key] : key;
      let group = byKey.get(key);
      if (!group) {
        byKey.set(key, (group = { key, label, voices: [] }));
      }
      group.voices.push(voice);
    }
    return [...byKey.values()];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [voices, groupBy, labels.male, labels.female]);
  // Keyboard order follows the visual order (groups first to last).
  const ordered = useMemo(() => groups.flatMap((group) => group.voices), [groups]);

  const [activeId, setActiveId] = useState<string | undefined>(undefined);
  const activeVoice = ordered.find((voice) => voice.id === activeId);
  const baseId = useId();
  const listboxId = `${baseId}-listbox`;

  // Preview through one speech; a new preview replaces the last (and any other picker's).
  const ownPreview = useSpeechSynthesis();
  const preview = previewSpeech ?? ownPreview;
  // The preview is the utterance this picker started: a shared speech may since be reading something
  // else for the app, which is then neither shown as a preview nor stopped by the picker.
  const [previewing, setPreviewing] = useState<{ voiceId: string; speech: UseSpeechSynthesisResult; utterance: number } | undefined>(undefined);
  const isPreviewing = (voice: Voice) =>
    preview.isActive && previewing?.voiceId === voice.id && previewing.speech.controller === preview.controller && previewing.utterance === preview.utterance;
  const latestPreviewing = useRef(previewing);
  latestPreviewing.current = previewing;
  const previewHandle = useRef({
    stop: () => {
      // The controller's snapshot, not the last render's: the app may have started reading since.
      const started = latestPreviewing.current;
      if (started && started.speech.controller.getSnapshot().utterance === started.utterance) {
        started.speech.stop();
      }
    },
  });
  useEffect(
    () => () => {
      if (playingPreview === previewHandle.current) {
        playingPreview = undefined;
      }
    },
    [],
  );
  const togglePreview = (voice: Voice) => {
    if (isPreviewing(voice)) {
      preview.stop();
      return;
    }
    if (playingPreview && playingPreview !== previewHandle.current) {
      playingPreview.stop();
    }
    playingPreview = previewHandle.current;
    const sample = typeof previewText === 'function' ? previewText(voice) : (previewText ?? defaultSample(voice));
    preview.speak(sample, { voice: voice.id, model: voice.model });
    // `speak` starts its utterance synchronously: remember which one is the preview.
    const started = { voiceId: voice.id, speech: preview, utterance: preview.controller.getSnapshot().utterance };
    latestPreviewing.current = started;
    setPreviewing(started);
  };

  const announce = useAnnouncer();
  useEffect(() => {
    if (state === 'error') {
      announce(labels.error);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state]);

  const select = (voice: Voice) => {
    setActiveId(voice.id);
    setValue(voice.id);
  };

  const typeahead = useRef({ text: '', timer: undefined as ReturnType<typeof setTimeout> | undefined });
  useEffect(() => () => clearTimeout(typeahead.current.timer), []);
  const findByTypeahead = (key: string): Voice | undefined => {
    const search = typeahead.current;
    clearTimeout(search.timer);
    search.text += key.toLowerCase();
    search.timer = setTimeout(() => {
      search.text = '';
    }, TYPEAHEAD_RESET_MS);
    const start = ordered.findIndex((voice) => voice.id === activeId);
    // Repeating one letter cycles through the matches; more letters refine the current match.
    const allSame = [...search.text].every((character) => character === search.text[0]);
    const needle = allSame ? search.text.slice(0, 1) : search.text;
    const from = allSame ? start + 1 : Math.max(start, 0);
    const matches = (voice: Voice) => voice.name.toLowerCase().startsWith(needle) || voice.id.toLowerCase().startsWith(needle);
    return [...ordered.slice(from), ...ordered.slice(0, from)].find(matches);
  };

  const handleKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (ordered.length === 0) {
      return;
    }
    const index = ordered.findIndex((voice) => voice.id === activeId);
    let next: Voice | undefined;
    switch (event.key) {
      case 'ArrowDown':
        next = ordered[index < 0 ? 0 : Math.min(index + 1, ordered.length - 1)];
        break;
      case 'ArrowUp':
        next = ordered[index < 0 ? 0 : Math.max(index - 1, 0)];
        break;
      case 'Home':
        next = ordered[0];
        break;
      case 'End':
        next = ordered[ordered.length - 1];
        break;
      case 'Enter':
      case ' ':
        if (event.key === ' ' && typeahead.current.text !== '') {
          next = findByTypeahead(' ');
          break;
        }
        event.preventDefault();
        if (activeVoice) {
          select(activeVoice);
        }
        return;
      default:
        if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
          next = findByTypeahead(event.key);
          if (!next) {
            return;
          }
          break;
        }
        return;
    }
    event.preventDefault();
    if (next) {
      setActiveId(next.id);
    }
  };

  const handleFocus = (event: FocusEvent<HTMLElement>) => {
    if (event.target === event.currentTarget && !activeVoice) {
      setActiveId((selectedVoice ?? ordered[0])?.id);
    }
  };

  // Keep the highlighted option visible inside a scrolling listbox.
  useEffect(() => {
    if (!activeVoice || typeof document === 'undefined') {
      return;
    }
    const element = document.getElementById(optionIdFor(baseId, activeVoice));
    if (element && typeof element.scrollIntoView === 'function') {
      element.scrollIntoView({ block: 'nearest' });
    }
  }, [activeVoice, baseId]);

  const previewVoice = activeVoice ?? selectedVoice;
  const preconnectPreview = (): void => {
    if (previewVoice && !isPreviewing(previewVoice)) void preview.controller.preconnect();
  };
  return {
    state,
    voices,
    groups,
    value,
    selectedVoice,
    activeVoice,
    isPreviewing,
    select,
    togglePreview,
    error: voicesQuery.error,
    retry: voicesQuery.refetch,
    labels,
    listboxProps: {
      role: 'listbox',
      id: listboxId,
      tabIndex: 0,
      'aria-label': labels.listbox,
      'aria-busy': state === 'loading' || undefined,
      'aria-activedescendant': activeVoice ? optionIdFor(baseId, activeVoice) : undefined,
      onKeyDown: handleKeyDown,
      onFocus: handleFocus,
    },
    getOptionProps: (voice: Voice) => ({
      role: 'option',
      id: optionIdFor(baseId, voice),
      'aria-selected': voice.id === value,
      'data-state': voice.id === value ? 'checked' : 'unchecked',
      'data-highlighted': voice.id === activeId ? '' : undefined,
      'data-custom': voice.custom ? '' : undefined,
      onClick: () => select(voice),
      onPointerMove: () => {
        if (voice.id !== activeId) {
          setActiveId(voice.id);
        }
      },
    }),
    getGroupProps: (group: VoiceGroup) => {
      const labelId = `${baseId}-group-${group.key}`.replace(/[^\w-]/g, '_');
      return {
        groupProps: { role: 'group', 'aria-labelledby': labelId },
        labelProps: { id: labelId, role: 'presentation' },
      };
    },
    previewButtonProps: {
      type: 'button',
      disabled: !previewVoice,
      'aria-controls': listboxId,
      'data-state': previewVoice && isPreviewing(previewVoice) ? 'playing' : 'idle',
      onClick: () => {
        if (previewVoice) {
          togglePreview(previewVoice);
        }
      },
      // Preconnect on intent, as links prefetch: the preview then starts on a warm socket.
      onPointerEnter: preconnectPreview,
      onFocus: preconnectPreview,
      onTouchStart: preconnectPreview,
      children: previewVoice ? (isPreviewing(previewVoice) ? labels.stopPreview(previewVoice.name) : labels.preview(previewVoice.name)) : labels.preview(''),
    } as UseVoicePickerResult['previewButtonProps'],
  };
}

/* -------------------------------------------------------------------------------------------------
 * VoicePicker
 * -----------------------------------------------------------------------------------------------*/

/** Props of {@link VoicePicker}'s wrapper element (see `rootProps`): any `<div>` prop, `data-*` attributes and a `ref`. */
export type VoicePickerRootProps = HTMLAttributes<HTMLDivElement> & RefAttributes<HTMLDivElement> & { [attribute: `data-${string}`]: string | undefined };

/**
 * Props of {@link VoicePicker}: the options of {@link useVoicePicker} plus any `<div>` prop, which goes
 * to the listbox (like `ref`); `rootProps` go to the wrapper around it.
 */
export interface VoicePickerProps extends UseVoicePickerOptions, Omit<HTMLAttributes<HTMLDivElement>, 'defaultValue' | 'onChange' | 'children'> {
  /** Show the preview button. @default true */
  showPreview?: boolean;
  /** Custom content of an option (default: name, languages, gender, capabilities, "Custom"). */
  renderVoice?: (voice: Voice, state: { selected: boolean; highlighted: boolean; previewing: boolean; togglePreview(): void }) => ReactNode;
  /**
   * Props for the wrapper `<div>` that holds the messages, the listbox and the preview button
   * (`className` is added to `cosyvoice-voice-picker`; a `ref` here gets the wrapper).
   *
   * @example
   * <VoicePicker aria-labelledby="voice-heading" rootProps={{ className: 'sidebar-picker', 'data-testid': 'picker' }} />
   */
  rootProps?: VoicePickerRootProps;
}

/**
 * Chooses a voice from `useVoices`: the provider model's system voices plus the account's custom
 * ones (marked "Custom"), narrowed by `filter` (language, gender, SSML, timestamps, instruct) and
 * optionally grouped by language or gender. A WAI-ARIA listbox (one tab stop, arrows, Home/End,
 * type-ahead, Enter/Space), then a button that previews the highlighted voice with a sample line
 * (starting a preview stops any other). Shows loading and error states, with a retry button.
 * Controlled (`value` + `onValueChange`) or uncontrolled (`defaultValue`).
 *
 * It renders a wrapper `<div class="cosyvoice-voice-picker" data-state="loading|error|ready">` with
 * the messages, the `role="listbox"` element and the preview button. `ref` and every other DOM prop
 * (`aria-label`, `aria-labelledby`, `id`, `className`, `onKeyDown`…) go to the listbox, the element
 * you name, focus and handle keys on (as a React Aria `ListBox` would); your `onKeyDown` / `onFocus` run
 * before ours, and `event.preventDefault()` skips ours. The listbox carries `data-state` too. Props for
 * the wrapper go in `rootProps`. Options carry `aria-selected`, `data-highlighted`, `data-custom`. The
 * preview button sits beside the listbox, not inside an option, because options may not contain
 * interactive elements.
 *
 * @example
 * const [voice, setVoice] = useState('longanyang');
 * <VoicePicker value={voice} onValueChange={setVoice} filter={{ language: 'en', timestamps: true }} groupBy="gender" />
 *
 * @example
 * <h2 id="voice-heading">Narrator</h2>
 * <VoicePicker ref={listboxRef} aria-labelledby="voice-heading" rootProps={{ className: 'narrator' }} />
 */
export const VoicePicker = /* @__PURE__ */ forwardRef<HTMLDivElement, VoicePickerProps>(function VoicePicker(props, forwardedRef) {
  const {
    value,
    defaultValue,
    onValueChange,
    filter,
    groupBy,
    previewText,
    previewSpeech,
    labels,
    showPreview = true,
    renderVoice,
    rootProps,
    className,
    onKeyDown,
    onFocus,
    ...listboxProps
  } = props;
  const picker = useVoicePicker({ value, defaultValue, onValueChange, filter, groupBy, previewText, previewSpeech, labels });
  const text = picker.labels;
  const { className: rootClassName, ...rootRest } = rootProps ?? {};
  const listboxId = listboxProps.id ?? picker.listboxProps.id;

  const renderOption = (voice: Voice) => {
    const optionProps = picker.getOptionProps(voice);
    const selected = optionProps['aria-selected'];
    const highlighted = picker.activeVoice?.id === voice.id;
    const previewing = picker.isPreviewing(voice);
    const togglePreview = () => picker.togglePreview(voice);
    const capabilities = [voice.supportsSsml && text.ssml, voice.supportsTimestamps && text.timestamps, voice.supportsInstruct && text.instruct].filter(Boolean);
    return (
      <div key={`${voice.model}/${voice.id}`} className="cosyvoice-voice-option" {...optionProps}>
        {renderVoice ? (
          renderVoice(voice, { selected, highlighted, previewing, togglePreview })
        ) : (
          <>
            <span className="cosyvoice-voice-name">{voice.name}</span>{' '}
            <span className="cosyvoice-voice-details">
              {[voice.languages.join(', '), voice.gender && text[voice.gender], capabilities.join(', ')].filter(Boolean).join(' · ')}
            </span>
            {voice.custom ? (
              <>
                {' '}
                <span className="cosyvoice-voice-custom">{text.custom}</span>
              </>
            ) : null}
            {showPreview ? (
              // A preview control on every row, for the pointer. An option cannot contain a button, so it is
              // hidden from assistive technology, which previews the highlighted voice with the preview button.
              <span
                className="cosyvoice-voice-option-preview"
                aria-hidden="true"
                title={previewing ? text.stopPreview(voice.name) : text.preview(voice.name)}
                data-state={previewing ? 'playing' : 'idle'}
                onClick={(event) => {
                  event.stopPropagation();
                  togglePreview();
                }}
              >
                {previewing ? '■' : '▶'}
              </span>
            ) : null}
          </>
        )}
      </div>
    );
  };

  return (
    <div className={rootClassName === undefined ? 'cosyvoice-voice-picker' : `cosyvoice-voice-picker ${rootClassName}`} data-state={picker.state} {...rootRest}>
      {picker.state === 'loading' ? <p className="cosyvoice-voice-picker-message">{text.loading}</p> : null}
      {picker.state === 'error' ? (
        <p className="cosyvoice-voice-picker-message">
          {text.error}{' '}
          <button type="button" onClick={picker.retry}>
            {text.retry}
          </button>
        </p>
      ) : null}
      {picker.state !== 'loading' && picker.voices.length === 0 ? <p className="cosyvoice-voice-picker-message">{text.empty}</p> : null}
      <div
        className={className === undefined ? 'cosyvoice-voice-list' : `cosyvoice-voice-list ${className}`}
        data-state={picker.state}
        {...picker.listboxProps}
        {...listboxProps}
        ref={forwardedRef}
        onKeyDown={composeEventHandlers(onKeyDown, picker.listboxProps.onKeyDown)}
        onFocus={composeEventHandlers(onFocus, picker.listboxProps.onFocus)}
      >
        {picker.groups.map((group) =>
          groupBy === undefined || groupBy === 'none' ? (
            group.voices.map(renderOption)
          ) : (
            <div key={group.key} className="cosyvoice-voice-group" {...picker.getGroupProps(group).groupProps}>
              <div className="cosyvoice-voice-group-label" {...picker.getGroupProps(group).labelProps}>
                {group.label}
              </div>
              {group.voices.map(renderOption)}
            </div>
          ),
        )}
      </div>
      {showPreview ? <button className="cosyvoice-voice-preview" {...picker.previewButtonProps} aria-controls={listboxId} /> : null}
    </div>
  );
});
