// The read-aloud engine `useReadAloud` loads on first intent: a module of its own, apart from the speech
// engine, so the text segmentation it shares with the reading region stays out of the chunk every
// `SpeakButton` page loads first.
export { ReadAloudController } from '../../core/ReadAloudController';
