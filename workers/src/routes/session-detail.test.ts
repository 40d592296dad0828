import { describe, expect, it } from "vitest";
import { call, expectProblem, origin } from "../../test/helpers.ts";
import { dispatched, postEvent, runtimeCall, uploadRecording } from "../runtime/testing.ts";

const t0 = Date.parse("2026-11-25T10:00:00Z");
const at = (ms: number) => new Date(t0 + ms).toISOString();
const audio = Uint8Array.from({ length: 4096 }, (_, i) => i % 251);

describe("GET /v1/sessions/{id}: the whole conversation", () => {
  it("returns turns with metrics, tool calls, errors, token usage, signed recording links and the waveform", async () => {
    const { world: w, sessionId } = await dispatched();
    await postEvent(sessionId, "e1", { type: "agent.ready" });
    await postEvent(sessionId, "e2", { type: "turn", turnId: "t1", role: "user", text: "Where is my order?", startedAt: at(0), endedAt: at(1500), metrics: { endOfUtteranceDelayMs: 320, sttFinalMs: 180, endOfTurnProbability: 0.58, endOfTurnThreshold: 0.36 } });
    await postEvent(sessionId, "e3", { type: "tool.call", toolCallId: "c1", name: "order_status", turnId: "t2", request: { orderId: 42 }, response: { status: "shipped" }, status: "ok", latencyMs: 410, startedAt: at(1700) });
    await postEvent(sessionId, "e4", { type: "turn", turnId: "t2", role: "agent", text: "It ships tomorrow.", startedAt: at(2100), endedAt: at(3900), metrics: { llmTimeToFirstTokenMs: 240, voiceToVoiceMs: 850, preemptive: true, audioFromCache: false } });
    await postEvent(sessionId, "e5", { type: "completed", tokenUsage: { prompt: 1200, completion: 85 }, durationMs: 4000 });
    expect((await uploadRecording(sessionId, "composite", audio)).status).toBe(200);
    expect((await runtimeCall("PUT", `/sessions/${sessionId}/waveform`, { json: { peaks: [0, 0.5, 1], durationMs: 4000 } })).status).toBe(204);

    const res = await call("GET", `/v1/sessions/${sessionId}`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "completed", tokenUsage: { prompt: 1200, completion: 85 }, waveform: { peaks: [0, 0.5, 1], durationMs: 4000 }, errors: [] });
    const turns = res.body["turns"] as { turnId: string; metrics: Record<string, number | boolean | null> }[];
    expect(turns.map((t) => t.turnId)).toEqual(["t1", "t2"]);
    expect(turns[0]?.metrics).toMatchObject({ endOfUtteranceDelayMs: 320, sttFinalMs: 180, voiceToVoiceMs: null, preemptive: null, audioFromCache: null });
    expect(turns[0]?.metrics["endOfTurnProbability"]).toBe(0.58);
    expect(turns[0]?.metrics["endOfTurnThreshold"]).toBe(0.36);
    expect(turns[1]?.metrics).toMatchObject({ llmTtftMs: 240, voiceToVoiceMs: 850, endOfTurnProbability: null, preemptive: true, audioFromCache: false });
    expect(res.body["toolCalls"]).toEqual([expect.objectContaining({ toolCallId: "c1", name: "order_status", status: "ok", latencyMs: 410, response: { status: "shipped" } })]);

    const [recording] = res.body["recordings"] as { track: string; url: string; sizeBytes: number }[];
    expect(recording).toMatchObject({ track: "composite", sizeBytes: audio.length });
    const link = new URL(recording?.url ?? "");
    const full = await call("GET", `${link.pathname}${link.search}`);
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("audio/wav");
    const partial = await call("GET", `${link.pathname}${link.search}`, { headers: { range: "bytes=100-199" } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe(`bytes 100-199/${audio.length}`);
    expect(partial.headers.get("content-length")).toBe("100");
    expect(link.origin).toBe(origin);

    // A tampered or expired link plays nothing.
    const tampered = `${link.pathname}?exp=${link.searchParams.get("exp")}&sig=${"A".repeat(43)}`;
    expectProblem(await call("GET", tampered), 403, "forbidden");
    expectProblem(await call("GET", `${link.pathname}?exp=1000&sig=${link.searchParams.get("sig")}`), 403, "forbidden");
    expectProblem(await call("GET", `/recordings/${sessionId}/user${link.search}`), 403, "forbidden");
  });

  it("answers 410 for an expired but genuine link", async () => {
    const { signRecordingUrl } = await import("../sessions/recording-urls.ts");
    const { testEnv } = await import("../../test/helpers.ts");
    const { sessionId } = await dispatched();
    const link = await signRecordingUrl(testEnv.RUNTIME_TOKEN_SECRET, origin, sessionId, "composite", -60);
    const url = new URL(link.url);
    expectProblem(await call("GET", `${url.pathname}${url.search}`), 410, "gone");
  });
});
