// The typed client (packages/api-client: openapi-fetch over the types generated from the document)
// against the Worker itself: if the document said other paths, bodies or answers than the routes
// serve, this would not compile or would fail.
import { describe, expect, it } from "vitest";
import { exports } from "cloudflare:workers";
import { createApiClient, type components } from "../../../packages/api-client/src/index.ts";
import { makeWorld, origin } from "../../test/helpers.ts";

const worker = (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;
const client = (token: string) => createApiClient({ baseUrl: origin, token, fetch: (request) => worker.fetch(request) });

const agent: components["schemas"]["CreateAgentBody"] = {
  name: "Typed client agent",
  systemPrompt: "Answer briefly.",
  llm: { provider: "scripted", model: "demo" },
  stt: { provider: "pocketsphinx", model: "en-us" },
  defaultLanguage: "en-US",
  locales: [{ language: "en-US", firstMessage: "Hello!", tts: { provider: "flite", model: "flite", voice: "rms" } }],
};

describe("the typed API client", () => {
  it("creates an agent, lists tools and reads a problem as the document describes them", async () => {
    const w = await makeWorld();
    const api = client(w.owner.token);

    const created = await api.POST("/v1/spaces/{spaceId}/agents", { params: { path: { spaceId: w.spaceId } }, body: agent });
    expect(created.response.status).toBe(201);
    expect(created.data?.id).toMatch(/^agt_/);
    expect(created.data?.name).toBe("Typed client agent");

    const tools = await api.GET("/v1/spaces/{spaceId}/tools", { params: { path: { spaceId: w.spaceId } } });
    expect(tools.data?.data.map((t) => t.code)).toContain(w.toolCode);

    const missing = await api.GET("/v1/agents/{agentId}", { params: { path: { agentId: `agt_${"0".repeat(26)}` } } });
    expect(missing.data).toBeUndefined();
    expect(missing.response.headers.get("content-type")).toContain("application/problem+json");
    expect(missing.error).toMatchObject({ status: 404, code: expect.any(String), requestId: expect.stringMatching(/^req_/) });
  });

  it("is refused with a typed 401 problem without credentials", async () => {
    const api = createApiClient({ baseUrl: origin, fetch: (request) => worker.fetch(request) });
    const me = await api.GET("/v1/me");
    expect(me.response.status).toBe(401);
    expect(me.error?.code).toBe("unauthorized");
  });
});
