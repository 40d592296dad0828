// POST /v1/agent-tests/run on the runtime's real HTTP server (the local media server): a case run
// end to end on the scripted LLM, and the refusals (token, scope, agent, body, method).
import { signGreetingWarmToken, signRuntimeJobToken } from "@speaknode/tokens";
import { agentTestRunPath, TestCaseOutcome } from "@speaknode/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLogLevel } from "../log.ts";
import { testTokenSecret } from "../transport/local/testing.ts";
import { startLocalMediaServer, type LocalMediaServer } from "../transport/local/server.ts";
import { createAgentTestsRoute } from "./route.ts";
import { caseDeps, demoConfig, request, testCase } from "./testing.ts";

setLogLevel("error");

const spaceId = "spc_00000000000000000000000001";
const agentId = "agt_00000000000000000000000001";

let server: LocalMediaServer;
let url: string;

beforeAll(async () => {
  const deps = caseDeps();
  const route = createAgentTestsRoute({ tokenSecret: testTokenSecret, providers: deps.registry, guard: deps.guard, maxResponseChars: deps.maxResponseChars });
  server = await startLocalMediaServer({ port: 0, tokenSecret: testTokenSecret, onChannel: () => {}, onRequest: route.handleRequest });
  url = `http://127.0.0.1:${server.port}${agentTestRunPath}`;
});
afterAll(async () => {
  await server.close();
});

const token = (over: { agentId?: string } = {}) => signRuntimeJobToken(testTokenSecret, "agent-tests", { spaceId, agentId: over.agentId ?? agentId, ttlS: 600 });
const post = async (body: unknown, auth?: string) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) }, body: typeof body === "string" ? body : JSON.stringify(body) });

const demoCase = testCase({
  caller: { kind: "scripted", turns: [{ user: "Please check my order forty two", expect: [{ type: "tool_called", tool: "check_order", arguments: { orderId: "42" } }, { type: "reply_contains", text: "shipped" }] }] },
  toolMocks: [{ tool: "check_order", match: "subset", arguments: { orderId: "42" }, output: { orderId: "42", status: "shipped" } }],
});

describe("POST /v1/agent-tests/run", () => {
  it("runs the case and answers its outcome", async () => {
    const res = await post(request(demoConfig(), demoCase), await token());
    expect(res.status).toBe(200);
    const outcome = TestCaseOutcome.parse(await res.json());
    expect(outcome).toMatchObject({ status: "passed", failures: [] });
    expect(outcome.turns.find((t) => t.toolCalls.length > 0)?.toolCalls).toEqual([{ name: "check_order", arguments: { orderId: "42" }, output: { orderId: "42", status: "shipped" }, mocked: true }]);
  });

  it("refuses a missing, foreign-scope or invalid token with 401 problem JSON", async () => {
    const body = request(demoConfig(), demoCase);
    const analysisToken = await signRuntimeJobToken(testTokenSecret, "analysis", { spaceId, agentId });
    const warmToken = await signGreetingWarmToken(testTokenSecret, { spaceId, agentId });
    for (const auth of [undefined, analysisToken, warmToken, "a.b.c"]) {
      const res = await post(body, auth);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 401, code: "unauthorized" });
    }
  });

  it("refuses a token for another agent with 403", async () => {
    const res = await post(request(demoConfig(), demoCase), await token({ agentId: "agt_0000000000000000000000b111" }));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403, code: "forbidden", detail: "The token is for another agent." });
  });

  it("refuses a body that is not JSON or not a RunTestCaseRequest with 400, naming the field", async () => {
    const auth = await token();
    const notJson = await post("{", auth);
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: "invalid_body", detail: "The request body is not JSON." });
    const badMode = await post({ ...request(demoConfig(), demoCase), mode: "video" }, auth);
    expect(badMode.status).toBe(400);
    expect((await badMode.json()) as { detail: string }).toMatchObject({ code: "invalid_body", detail: expect.stringContaining("mode") });
  });

  it("answers 405 to anything but POST", async () => {
    const res = await fetch(url);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
