// Child process for bench/client.bench.mjs: a fast scripted DashScope peer on 127.0.0.1 (port 0) that
// answers a task as quickly as the socket takes it, with realistic frames: per sentence a
// sentence-begin, one sentence-synthesis event + one 100 ms PCM frame (16 kHz: 3 200 bytes) per
// 100 ms of speech (66 ms per character, about 15 characters a second), and a sentence-end with one
// timestamped word per token. Respects backpressure (bufferedAmount) so its own memory stays flat.
// Prints "port <n>" when listening. Runs in its own process so the client's heap and RSS are its own.
import { WebSocketServer } from 'ws';

const MS_PER_CHAR = 66;
const FRAME = Buffer.alloc(3200);
for (let i = 0; i < 1600; i++) FRAME.writeInt16LE(Math.round(Math.sin(i / 8) * 3000), i * 2);

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => console.log(`port ${wss.address().port}`));
const event = (taskId, name, payload = {}, attributes = {}) => JSON.stringify({ header: { task_id: taskId, event: name, attributes }, payload });
const drained = (socket) =>
  new Promise((resolve) => {
    const check = () => (socket.bufferedAmount < 1 << 20 || socket.readyState !== socket.OPEN ? resolve() : setTimeout(check, 1));
    check();
  });

wss.on('connection', (socket) => {
  let taskId = '';
  let characters = 0;
  let index = 0;
  let queue = Promise.resolve();
  const speak = async (text) => {
    for (const sentence of text.match(/[^.!?。！？]+[.!?。！？]?\s*/g) ?? []) {
      const i = index++;
      characters += sentence.length;
      socket.send(event(taskId, 'result-generated', { output: { type: 'sentence-begin', sentence: { index: i, words: [] }, original_text: sentence } }));
      const frames = Math.max(1, Math.round((sentence.length * MS_PER_CHAR) / 100));
      for (let f = 0; f < frames; f++) {
        socket.send(event(taskId, 'result-generated', { output: { type: 'sentence-synthesis', sentence: { index: i, words: [] } } }));
        socket.send(FRAME, { binary: true });
        if (socket.bufferedAmount > 1 << 20) await drained(socket);
      }
      const words = [];
      const msPerToken = (frames * 100) / Math.max(1, sentence.split(/\s+/).filter(Boolean).length);
      for (const match of sentence.matchAll(/\S+/g)) {
        const n = words.length;
        words.push({ text: match[0], begin_index: match.index, end_index: match.index + match[0].length, begin_time: Math.round(n * msPerToken), end_time: Math.round((n + 1) * msPerToken - 10) });
      }
      socket.send(event(taskId, 'result-generated', { output: { type: 'sentence-end', sentence: { index: i, words }, original_text: sentence }, usage: { characters } }));
    }
  };
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const action = message.header.action;
    if (action === 'run-task') {
      taskId = message.header.task_id;
      socket.send(event(taskId, 'task-started'));
    } else if (action === 'continue-task' && typeof message.payload.input.text === 'string') {
      const text = message.payload.input.text;
      queue = queue.then(() => speak(text));
    } else if (action === 'finish-task') {
      queue = queue.then(() => socket.send(event(taskId, 'task-finished', { output: null, usage: { characters } }, { request_uuid: 'bench' })));
    }
  });
});
