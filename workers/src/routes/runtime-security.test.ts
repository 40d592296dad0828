// The runtime API admits only runtime service tokens: not users, API keys, or the session tokens
// signed with the same secret for media and live events.
import { describe, expect, it } from "vitest";
import { call, expectProblem, testEnv } from "../../test/helpers.ts";
import { signSessionToken } from "@speaknode/tokens";
import { dispatched, runtimeCall, serviceToken } from "../runtime/testing.ts";

describe("runtime API: security", () => {
  it("refuses requests without a runtime service token, on every operation", async () => {
    const { world: w, sessionId, eventsUrl, mediaToken } = await dispatched();
    const eventsToken = new URL(eventsUrl).searchParams.get("token") ?? "";
    const runtimeEventsToken = await signSessionToken(testEnv.RUNTIME_TOKEN_SECRET, { sessionId, agentId: w.agentId, scope: "events", ttlS: 60, role: "runtime" });
    const operations: [string, string, { json?: unknown; body?: BodyInit; headers?: Record<string, string> }][] = [
      ["GET", `/sessions/${sessionId}/config`, {}],
      ["GET", `/sessions/${sessionId}/transfer-targets/${w.otherAgentId}/config`, {}],
      ["POST", `/sessions/${sessionId}/events`, { json: { eventId: "e", event: { type: "heartbeat" } } }],
      ["GET", `/sessions/${sessionId}`, {}],
      ["POST", `/sessions/${sessionId}/recording/composite/uploads`, { json: { contentType: "audio/wav", sizeBytes: 3 } }],
      ["PUT", `/sessions/${sessionId}/recording/composite/uploads/d2F2OngK/parts/1`, { body: new Uint8Array([1, 2, 3]), headers: { "content-type": "application/octet-stream" } }],
      ["POST", `/sessions/${sessionId}/recording/composite/uploads/d2F2OngK/complete`, { json: { parts: [{ partNumber: 1, etag: "x" }] } }],
      ["DELETE", `/sessions/${sessionId}/recording/composite/uploads/d2F2OngK`, {}],
      ["PUT", `/sessions/${sessionId}/waveform`, { json: { peaks: [0.5], durationMs: 10 } }],
      ["POST", `/sessions/${sessionId}/sip`, { json: { room: "r", participantIdentity: "p", callId: "SCL_x", callStatus: "active", phoneNumber: null, trunkPhoneNumber: null } }],
      ["POST", "/sip/sessions", { json: { dispatch: { kind: "speaknode.sip", phoneNumberId: "pnm_01m91pwj43fvpp1pwa2ns3v8j7", connectionId: "tcn_01m91pwj43fvpp1pwa2ns3v8j7" }, participant: { room: "r", participantIdentity: "p", callId: "SCL_x", callStatus: null, phoneNumber: null, trunkPhoneNumber: null } } }],
    ];
    const refused: [string, string | null, number, string][] = [
      ["no token", null, 401, "unauthorized"],
      ["garbage", "not-a-jwt", 401, "unauthorized"],
      ["another secret", await serviceToken({ secret: "some-other-secret-of-at-least-32-chars" }), 401, "unauthorized"],
      ["an expired service token", await serviceToken({ ttlS: -120 }), 401, "token_expired"],
      ["the session's media token", mediaToken, 401, "unauthorized"],
      ["the session's events token", eventsToken, 401, "unauthorized"],
      ["a runtime-role events token", runtimeEventsToken, 401, "unauthorized"],
      ["a user's access token", w.owner.token, 401, "unauthorized"],
      ["a space API key", w.apiKey, 401, "unauthorized"],
    ];
    for (const [method, path, opts] of operations) {
      for (const [what, token, status, code] of refused) {
        const res = await runtimeCall(method, path, { ...opts, token });
        try {
          expectProblem(res, status, code);
        } catch (err) {
          throw new Error(`${method} ${path} with ${what}: ${(err as Error).message}`);
        }
      }
    }
  });

  it("keeps a token narrowed to one session to that session", async () => {
    const a = await dispatched();
    const b = await dispatched(a.world);
    const onlyA = await serviceToken({ sessionId: a.sessionId });
    expect((await runtimeCall("GET", `/sessions/${a.sessionId}/config`, { token: onlyA })).status).toBe(200);
    expectProblem(await runtimeCall("GET", `/sessions/${b.sessionId}/config`, { token: onlyA }), 403, "forbidden");
  });

  it("documents every runtime operation with the service-token scheme", async () => {
    const doc = await call("GET", "/openapi.json");
    const paths = doc.body["paths"] as Record<string, Record<string, { security?: unknown }>>;
    for (const [path, method] of [
      ["/runtime/v1/sessions/{sessionId}/config", "get"],
      ["/runtime/v1/sessions/{sessionId}/events", "post"],
      ["/runtime/v1/sessions/{sessionId}", "get"],
      ["/runtime/v1/sessions/{sessionId}/recording/{track}/uploads", "post"],
      ["/runtime/v1/sessions/{sessionId}/recording/{track}/uploads/{uploadId}/parts/{partNumber}", "put"],
      ["/runtime/v1/sessions/{sessionId}/recording/{track}/uploads/{uploadId}/complete", "post"],
      ["/runtime/v1/sessions/{sessionId}/recording/{track}/uploads/{uploadId}", "delete"],
      ["/runtime/v1/sessions/{sessionId}/waveform", "put"],
      ["/runtime/v1/capabilities", "put"],
      ["/runtime/v1/sip/sessions", "post"],
      ["/runtime/v1/sessions/{sessionId}/sip", "post"],
    ] as const) {
      expect(paths[path]?.[method]?.security).toEqual([{ runtimeService: [] }]);
    }
  });
});
