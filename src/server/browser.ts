// The `browser` condition of "cosyvoice-react/server": bundlers that resolve it for a browser build get
// these stubs instead of Node code (http, ws, worker_threads), and a clear message if one is called.
const MESSAGE = 'cosyvoice-react/server runs in Node only (local voice server, proxy, token handler). In the browser use proxyTransport or directTransport from "cosyvoice-react/core".';

function nodeOnly(): never {
  throw new Error(MESSAGE);
}

/** Node only: see the Node build. @example // in Node: createLocalVoiceServer({ engine: 'tone' }) */
export const createLocalVoiceServer = nodeOnly;
/** Node only: see the Node build. @example // in Node: createSynthesisProxy({ apiKey }) */
export const createSynthesisProxy = nodeOnly;
/** Node only: see the Node build. @example // in Node: createTokenHandler({ apiKey }) */
export const createTokenHandler = nodeOnly;
/** Node only: see the Node build. @example // in Node: createToneEngine() */
export const createToneEngine = nodeOnly;
/** Node only: see the Node build. @example // in Node: createEspeakEngine() */
export const createEspeakEngine = nodeOnly;
/** Always `false` in a browser. @example isEspeakAvailable() // false */
export const isEspeakAvailable = (): boolean => false;
/** Node only: see the Node build. @example // in Node: createRedisStore({ url: 'redis://127.0.0.1:6379' }) */
export const createRedisStore = nodeOnly;
/** Node only: see the Node build. @example // in Node: createMemoryStore() */
export const createMemoryStore = nodeOnly;
