// The trace store without a DOM: loading a session's trace through the fake API, dropping late
// answers, keeping spans on a failed refetch, and polling while live that stops after the end.
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { SessionTrace } from "../../../packages/contracts/src/telemetry.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { createSessionTraceStore, traceSettlePolls } from "./session-trace.ts";
import { createSessionDetailStore } from "./sessions-detail.ts";
import { oneCall } from "./trace-fixtures.ts";

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const traceOf = (sessionId: string, spans = oneCall().spans, truncated = false): SessionTrace => ({ sessionId, spans, truncated });
const pathOf = (req: Recorded) => new URL(req.url, "http://x.test").pathname;

afterEach(() => {
  vi.useRealTimers();
});

describe("session trace store", () => {
  it("loads a session's trace from GET /v1/sessions/{id}/trace", async () => {
    const id = newId("session");
    const { api, fetch } = apiWith(() => json(traceOf(id)));
    const store = createSessionTraceStore(api);
    await store.load(id);
    expect(pathOf(fetch.requests[0]!)).toBe(`/v1/sessions/${id}/trace`);
    expect(store.trace.value?.spans).toHaveLength(13);
    expect([store.loading.value, store.error.value]).toEqual([false, null]);
  });

  it("drops a late answer for the session shown before", async () => {
    const a = newId("session");
    const b = newId("session");
    let releaseA: (r: Response) => void = () => {};
    const { api } = apiWith((req) => (pathOf(req).includes(a) ? new Promise<Response>((resolve) => (releaseA = resolve)) : json(traceOf(b, []))));
    const store = createSessionTraceStore(api);
    const slow = store.load(a);
    await store.load(b);
    releaseA(json(traceOf(a)));
    await slow;
    expect(store.trace.value?.sessionId).toBe(b);
    expect(store.trace.value?.spans).toEqual([]);
  });

  it("keeps the spans it has when a refetch fails, and shows the error", async () => {
    const id = newId("session");
    let fail = false;
    const { api } = apiWith(() => (fail ? problem("internal", 500, "trace store unavailable") : json(traceOf(id))));
    const store = createSessionTraceStore(api);
    await store.load(id);
    fail = true;
    await expect(store.load(id)).rejects.toThrow("trace store unavailable");
    expect(store.trace.value?.spans).toHaveLength(13);
    expect(store.error.value).toBe("trace store unavailable");
  });

  it("refuses an answer that does not match the contract", async () => {
    const id = newId("session");
    const { api } = apiWith(() => json({ sessionId: id, spans: [{ name: "x" }], truncated: false }));
    const store = createSessionTraceStore(api);
    await expect(store.load(id)).rejects.toThrow();
    expect(store.error.value).not.toBeNull();
  });
});

describe("trace polling", () => {
  it("polls while the session is live, a few more times after it ends, then stops", async () => {
    vi.useFakeTimers();
    const id = newId("session");
    const { api, fetch } = apiWith(() => json(traceOf(id)));
    const store = createSessionTraceStore(api, { pollMs: 1000 });
    let live = true;
    const stop = store.follow(id, { isLive: () => live });
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch.requests).toHaveLength(1);
    expect(store.polling.value).toBe(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fetch.requests).toHaveLength(4);

    live = false;
    await vi.advanceTimersByTimeAsync(60_000);
    // The fetch that saw the end, then the settle polls for the last exported batch.
    expect(fetch.requests).toHaveLength(5 + traceSettlePolls);
    expect(store.polling.value).toBe(false);
    stop();
  });

  it("loads an ended session's trace once, without polling", async () => {
    vi.useFakeTimers();
    const id = newId("session");
    const { api, fetch } = apiWith(() => json(traceOf(id, [])));
    const store = createSessionTraceStore(api, { pollMs: 1000 });
    store.follow(id, { isLive: () => false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.requests).toHaveLength(1);
    expect(store.polling.value).toBe(false);
    expect(store.trace.value?.spans).toEqual([]);
  });

  it("stops when unsubscribed, skips ticks while hidden, and keeps polling through errors", async () => {
    vi.useFakeTimers();
    const id = newId("session");
    let calls = 0;
    const { api, fetch } = apiWith(() => (++calls === 2 ? problem("internal", 500, "blip") : json(traceOf(id))));
    const store = createSessionTraceStore(api, { pollMs: 1000 });
    let visible = true;
    const stop = store.follow(id, { isLive: () => true, visible: () => visible });
    await vi.advanceTimersByTimeAsync(2000);
    expect(fetch.requests).toHaveLength(3); // the second one failed; the third went on
    expect(store.error.value).toBeNull();
    visible = false;
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch.requests).toHaveLength(3);
    visible = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetch.requests).toHaveLength(4);
    stop();
    expect(store.polling.value).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetch.requests).toHaveLength(4);
  });

  it("belongs to the session detail store", () => {
    const { api } = apiWith(() => json({}));
    const detail = createSessionDetailStore(api);
    expect(typeof detail.trace.follow).toBe("function");
    expect(detail.trace.trace.value).toBeNull();
  });
});
