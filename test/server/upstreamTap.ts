import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * A plain relay between a proxy under test and the local voice server that counts what the upstream
 * sees — connections opened and `run-task` frames (upstream tasks, i.e. what the service would bill) —
 * and can cut connections as the service does when one sits idle. Every frame goes through unchanged
 * (the Authorization header included).
 */
export class UpstreamTap {
  connections = 0;
  runTasks = 0;
  /** Every text frame that reached the upstream, in order. */
  readonly textFrames: string[] = [];
  /**
   * When set, the next `run-task` that arrives on a connection that already carried a task is not
   * relayed: the connection is closed instead, as when the service's idle cut-off races a new task.
   */
  closeNextReusedRunTask = false;
  /** The upstream side of each live connection (the proxy's socket as the tap accepted it). */
  readonly open = new Set<WebSocket>();
  readonly #wss: WebSocketServer;

  private constructor(wss: WebSocketServer, target: string) {
    this.#wss = wss;
    wss.on('connection', (downstream, request) => {
      this.connections++;
      this.open.add(downstream);
      const pending: Array<[WebSocket.RawData, boolean]> = [];
      let tasksHere = 0;
      const up = new WebSocket(target, { headers: { authorization: request.headers.authorization ?? '' } });
      up.on('open', () => {
        for (const [data, binary] of pending.splice(0)) up.send(data, { binary });
      });
      up.on('message', (data, binary) => downstream.readyState === WebSocket.OPEN && downstream.send(data, { binary }));
      up.on('close', (code, reason) => downstream.readyState === WebSocket.OPEN && downstream.close(code, reason.toString()));
      up.on('error', () => downstream.terminate());
      downstream.on('message', (data, binary) => {
        if (!binary) {
          const text = data.toString();
          if ((JSON.parse(text) as { header?: { action?: string } }).header?.action === 'run-task') {
            if (tasksHere > 0 && this.closeNextReusedRunTask) {
              this.closeNextReusedRunTask = false;
              downstream.close(1000, 'idle');
              return;
            }
            tasksHere++;
            this.runTasks++;
          }
          this.textFrames.push(text);
        }
        if (up.readyState === WebSocket.OPEN) up.send(data, { binary });
        else pending.push([data, binary]);
      });
      downstream.on('close', () => {
        this.open.delete(downstream);
        if (up.readyState === WebSocket.CONNECTING) up.terminate();
        else up.close();
      });
      downstream.on('error', () => up.terminate());
    });
  }

  /** A tap in front of `target` (a local voice server's WebSocket URL). */
  static async start(target: string): Promise<UpstreamTap> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new UpstreamTap(wss, target);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/api-ws/v1/inference`;
  }

  /** Closes every connection from the upstream's side, as the service does with an idle one. */
  cutAll(code = 1000, reason = 'idle'): void {
    for (const socket of this.open) socket.close(code, reason);
  }

  async close(): Promise<void> {
    for (const socket of this.#wss.clients) socket.terminate();
    await new Promise((resolve) => this.#wss.close(resolve));
  }
}
