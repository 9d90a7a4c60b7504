// Temporary keys for `directTransport({ getToken })`: the way in for deployments that cannot run
// server.mjs (no WebSocket upgrades, e.g. serverless). Add `authorize` (your session check) before it
// is reachable by anyone else.
import { createTokenHandler } from 'cosyvoice-react/server';

export const POST = createTokenHandler({ apiKey: process.env.DASHSCOPE_API_KEY! }).fetch;
