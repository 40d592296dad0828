// A foreign id must be indistinguishable from a made-up one: for every kind of resource reached by
// id, the 404 for another space's resource carries the same text as the 404 for an id nobody has.
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld, type World } from "../../test/helpers.ts";
import { withRandomIds } from "../../test/security-suite.ts";

let w: World;
let otherSessionId: string;
beforeAll(async () => {
  w = await makeWorld();
  const dispatched = await call("POST", `/v1/agents/${w.otherAgentId}/sessions`, { token: w.outsider.token, json: { variables: { order_id: 1 } } });
  if (dispatched.status !== 201) throw new Error(`dispatch failed: ${dispatched.status} ${dispatched.text}`);
  otherSessionId = String(dispatched.body["sessionId"]);
  await call("POST", `/v1/agents/${w.otherAgentId}/publish`, { token: w.outsider.token });
});

const cases: { kind: string; method: string; path: () => string; json?: unknown }[] = [
  { kind: "space", method: "GET", path: () => `/v1/spaces/${w.otherSpaceId}` },
  { kind: "agent", method: "GET", path: () => `/v1/agents/${w.otherAgentId}` },
  { kind: "agent version", method: "GET", path: () => `/v1/agents/${w.otherAgentId}/versions/1` },
  { kind: "tool", method: "PATCH", path: () => `/v1/tools/${w.otherToolId}`, json: { description: "x" } },
  { kind: "invitation", method: "DELETE", path: () => `/v1/invitations/${w.otherInvitationId}` },
  { kind: "API key", method: "DELETE", path: () => `/v1/api-keys/${w.otherApiKeyId}` },
  { kind: "session", method: "GET", path: () => `/v1/sessions/${otherSessionId}` },
  { kind: "session events token", method: "POST", path: () => `/v1/sessions/${otherSessionId}/events-token` },
  { kind: "session trace", method: "GET", path: () => `/v1/sessions/${otherSessionId}/trace` },
];

describe("404 for resources of other spaces", () => {
  for (const rc of cases) {
    it(`gives a foreign ${rc.kind} id and a made-up one the same 404 text, for users and API keys`, async () => {
      for (const token of [w.owner.token, w.apiKey]) {
        const opts = { token, ...(rc.json !== undefined ? { json: rc.json } : {}) };
        const foreign = await call(rc.method, rc.path(), opts);
        const madeUp = await call(rc.method, withRandomIds(rc.path()), opts);
        expectProblem(foreign, 404, "not_found");
        expectProblem(madeUp, 404, "not_found");
        expect(foreign.body["detail"]).toBe(madeUp.body["detail"]);
      }
    });
  }
});
