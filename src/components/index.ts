// The components layer (internal barrel: the package's root entry picks its public names in src/index.ts).
export { SpeakButton, useSpeakButton, DEFAULT_SPEAK_BUTTON_LABELS } from './SpeakButton';
export type {
  SpeakButtonAction,
  SpeakButtonLabels,
  SpeakButtonProps,
  SpeakButtonRenderState,
  SpeakButtonSpeech,
  UseSpeakButtonOptions,
  UseSpeakButtonResult,
} from './SpeakButton';
export { KaraokeText, DEFAULT_KARAOKE_TEXT_LABELS, WORD_INDEX_ATTRIBUTE, splitIntoSegments } from './KaraokeText';
export type { KaraokeSegment, KaraokeTextLabels, KaraokeTextProps, KaraokeTextReading, KaraokeTextSpeech, WordState } from './KaraokeText';
export { VoicePicker, useVoicePicker, DEFAULT_VOICE_PICKER_LABELS } from './VoicePicker';
export type { UseVoicePickerOptions, UseVoicePickerResult, VoiceGroup, VoicePickerLabels, VoicePickerProps, VoicePickerRootProps, VoicePickerState } from './VoicePicker';
export { ReadAloud } from './ReadAloud';
export { ReadAloudControls, useReadAloudControls, DEFAULT_READ_ALOUD_CONTROLS_LABELS, DEFAULT_PLAYBACK_RATES } from './ReadAloudControls';
export type { ReadAloudButtonProps, ReadAloudControlsLabels, ReadAloudControlsProps, ReadAloudControlsReading, UseReadAloudControlsOptions, UseReadAloudControlsResult } from './ReadAloudControls';
export type { ReadAloudProps } from './ReadAloud';
export { ANNOUNCER_ATTRIBUTE, announce, useAnnouncer } from './useAnnouncer';
export { composeEventHandlers } from './composeEventHandlers';
export { useControllableState } from './useControllableState';
export type { UseControllableStateOptions } from './useControllableState';
export { ReadAloudRegion, DEFAULT_READ_ALOUD_REGION_LABELS } from './ReadAloudRegion';
export type { ReadAloudRegionLabels, ReadAloudRegionProps } from './ReadAloudRegion';
