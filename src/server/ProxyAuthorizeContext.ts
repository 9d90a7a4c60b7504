/**
 * What an `authorize` hook is asked about, by `createSynthesisProxy` and `createTokenHandler` alike, so
 * one hook can guard every door:
 * - `websocket`: a synthesis connection, at the upgrade;
 * - `task`: a `run-task` on an open connection, before it goes upstream (so a session revoked after the
 *   upgrade starts no more tasks), with the validated request as data;
 * - `tokens`: `POST /api/v1/tokens`;
 * - `voices`: the customization endpoint, with the enrollment `action`;
 * - `metrics`: the Prometheus metrics route (when metrics are on).
 *
 * @example
 * authorize: (request, { kind, task }) => isSignedIn(request) && (kind !== 'task' || task!.model !== 'cosyvoice-v3-plus' || isPro(request))
 */
export interface ProxyAuthorizeContext {
  kind: 'websocket' | 'task' | 'tokens' | 'voices' | 'metrics';
  /** For `voices`: the enrollment action (`list_voice`, `query_voice`, `create_voice`, …). */
  action?: string;
  /** For `task`: the task about to start, as validated (the parameters are the ones that will be relayed). */
  task?: ProxyTaskRequest;
}

/** A validated `run-task`, as the `authorize` hook sees it. */
export interface ProxyTaskRequest {
  /** `header.task_id` (32 hex digits or a UUID). */
  taskId: string;
  /** `payload.model`. */
  model: string;
  /** `parameters.voice`. */
  voice: string;
  /** The `payload.parameters` the proxy will send upstream (documented ones plus those you allowed). */
  parameters: Readonly<Record<string, unknown>>;
}
