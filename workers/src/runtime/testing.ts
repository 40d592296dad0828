// Test helpers for the runtime API (workerd only): a dispatched session, service tokens, event
// posts and a live events subscriber.
import { env, exports } from "cloudflare:workers";
import { call, makeWorld, origin, testEnv, type CallOptions, type CallResult, type World } from "../../test/helpers.ts";
import { signRuntimeServiceToken } from "@speaknode/tokens";

export const recordingsBucket = (): R2Bucket => (env as unknown as { RECORDINGS: R2Bucket }).RECORDINGS;

export function serviceToken(claims: { ttlS?: number; sessionId?: string; secret?: string } = {}): Promise<string> {
  return signRuntimeServiceToken(claims.secret ?? testEnv.RUNTIME_TOKEN_SECRET, { ttlS: claims.ttlS ?? 60, ...(claims.sessionId ? { sessionId: claims.sessionId } : {}) });
}

export interface Dispatched {
  world: World;
  sessionId: string;
  eventsUrl: string;
  mediaToken: string;
}

/** A world and a session dispatched on its agent (a draft unless the agent was published). */
export async function dispatched(world?: World, body: Record<string, unknown> = { variables: { order_id: 42 } }): Promise<Dispatched> {
  const w = world ?? (await makeWorld());
  const res = await call("POST", `/v1/agents/${w.agentId}/sessions`, { token: w.owner.token, json: body });
  if (res.status !== 201) throw new Error(`dispatch failed: ${res.status} ${res.text}`);
  const media = res.body["media"] as { token: string };
  return { world: w, sessionId: String(res.body["sessionId"]), eventsUrl: String(res.body["eventsUrl"]), mediaToken: media.token };
}

/** A runtime API call with a valid service token unless `token` names another (or null: none). */
export async function runtimeCall(method: string, path: string, opts: Omit<CallOptions, "token"> & { token?: string | null } = {}): Promise<CallResult> {
  const token = opts.token === undefined ? await serviceToken() : (opts.token ?? undefined);
  return call(method, `/runtime/v1${path}`, { ...opts, token });
}

/**
 * Uploads `bytes` as one track the way the runtime does: create, parts of `partSizeBytes` (the last
 * smaller), complete. Returns the completion's result.
 */
export async function uploadRecording(sessionId: string, track: string, bytes: Uint8Array<ArrayBuffer>, opts: { contentType?: string; partSizeBytes?: number; token?: string } = {}): Promise<CallResult> {
  const partSize = opts.partSizeBytes ?? 8 * 1024 * 1024;
  const auth = opts.token === undefined ? {} : { token: opts.token };
  const created = await runtimeCall("POST", `/sessions/${sessionId}/recording/${track}/uploads`, { ...auth, json: { contentType: opts.contentType ?? "audio/wav", sizeBytes: bytes.length } });
  if (created.status !== 201) return created;
  const uploadPath = `/sessions/${sessionId}/recording/${track}/uploads/${String(created.body["uploadId"])}`;
  const parts: { partNumber: number; etag: unknown }[] = [];
  for (let offset = 0, partNumber = 1; offset < bytes.length; offset += partSize, partNumber++) {
    const res = await runtimeCall("PUT", `${uploadPath}/parts/${partNumber}`, { ...auth, body: bytes.slice(offset, offset + partSize), headers: { "content-type": "application/octet-stream" } });
    if (res.status !== 200) return res;
    parts.push({ partNumber, etag: res.body["etag"] });
  }
  return runtimeCall("POST", `${uploadPath}/complete`, { ...auth, json: { parts } });
}

export function postEvent(sessionId: string, eventId: string, event: Record<string, unknown>): Promise<CallResult> {
  return runtimeCall("POST", `/sessions/${sessionId}/events`, { json: { eventId, event } });
}

export interface Subscriber {
  ws: WebSocket;
  next(): Promise<Record<string, unknown>>;
}

export async function subscribe(eventsUrl: string): Promise<Subscriber> {
  const url = new URL(eventsUrl);
  const fetcher = (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;
  const res = await fetcher.fetch(new Request(`${origin}${url.pathname}${url.search}`, { headers: { upgrade: "websocket" } }));
  const ws = res.webSocket;
  if (!ws) throw new Error(`no WebSocket: ${res.status} ${await res.text()}`);
  ws.accept();
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data)) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(msg);
    else queue.push(msg);
  });
  return {
    ws,
    next: () =>
      new Promise((resolve, reject) => {
        const queued = queue.shift();
        if (queued) return resolve(queued);
        const timer = setTimeout(() => reject(new Error("no live event within 5 s")), 5000);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      }),
  };
}
