// The speech engine the hooks load on first intent (see LazySpeechController): one module, so the
// package's build and an app's bundler make one chunk of it, with its shared code imported by name.
export { SpeechController } from '../../core/SpeechController';
export { StreamingSpeechController } from '../../core/StreamingSpeechController';
export { ReadAloudController } from '../../core/ReadAloudController';
