// The phone-call operations through the shared security suite (placing a call, ending a session:
// no credentials, wrong credentials, another space's agent or session), and the runtime's
// transfer request, which only a runtime service token may make.
import { beforeAll, describe, it } from "vitest";
import { signSessionToken } from "@speaknode/tokens";
import { call, expectProblem, makeWorld, testEnv, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";
import { phoneFixture } from "../../test/outbound-fixtures.ts";
import { dispatched, runtimeCall, serviceToken } from "../runtime/testing.ts";

let world: World;
let phoneNumberId = "";
let ownSessionId = "";
let foreignSessionId = "";
beforeAll(async () => {
  world = await makeWorld();
  phoneNumberId = (await phoneFixture(world.spaceId)).phoneNumberId;
  ownSessionId = (await dispatched(world)).sessionId;
  const foreign = await call("POST", `/v1/agents/${world.otherAgentId}/sessions`, { token: world.outsider.token, json: { variables: { order_id: 1 } } });
  if (foreign.status !== 201) throw new Error(`setup failed: ${foreign.text}`);
  foreignSessionId = String(foreign.body["sessionId"]);
});

const cases: RouteCase[] = [
  {
    name: "/v1/agents/{id}/calls",
    method: "POST",
    path: (w) => `/v1/agents/${w.agentId}/calls`,
    foreignPath: (w) => `/v1/agents/${w.otherAgentId}/calls`,
    json: { to: "+14155550100", fromNumberId: "pnm_01m91pwj2pxf1m017p82k9n3yf", variables: { order_id: 1 } },
    need: "member",
  },
  { name: "/v1/sessions/{id}/end", method: "POST", path: () => `/v1/sessions/${ownSessionId}/end`, foreignPath: () => `/v1/sessions/${foreignSessionId}/end`, need: "member" },
];

securitySuite(cases, () => world);

describe("POST /v1/agents/{id}/calls from another space", () => {
  it("answers 404 for the space's own agent with a number of the space, to a caller outside the space", async () => {
    const res = await call("POST", `/v1/agents/${world.agentId}/calls`, { token: world.outsider.token, json: { to: "+14155550100", fromNumberId: phoneNumberId, variables: { order_id: 1 } } });
    expectProblem(res, 404, "not_found");
  });
});

describe("POST /runtime/v1/sessions/{id}/phone/transfer security", () => {
  it("refuses every credential but a runtime service token", async () => {
    const { world: w, sessionId, mediaToken } = await dispatched();
    const eventsToken = await signSessionToken(testEnv.RUNTIME_TOKEN_SECRET, { sessionId, agentId: w.agentId, scope: "events", ttlS: 60, role: "runtime" });
    const refused: [string, string | null, number, string][] = [
      ["no token", null, 401, "unauthorized"],
      ["another secret", await serviceToken({ secret: "some-other-secret-of-at-least-32-chars" }), 401, "unauthorized"],
      ["an expired service token", await serviceToken({ ttlS: -120 }), 401, "token_expired"],
      ["the session's media token", mediaToken, 401, "unauthorized"],
      ["an events token", eventsToken, 401, "unauthorized"],
      ["a user's access token", w.owner.token, 401, "unauthorized"],
      ["a space API key", w.apiKey, 401, "unauthorized"],
    ];
    for (const [what, token, status, code] of refused) {
      const res = await runtimeCall("POST", `/sessions/${sessionId}/phone/transfer`, { token, json: { destination: "billing desk" } });
      try {
        expectProblem(res, status, code);
      } catch (err) {
        throw new Error(`with ${what}: ${(err as Error).message}`);
      }
    }
  });
});
