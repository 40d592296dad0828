import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld, origin } from "../../test/helpers.ts";

describe("GET /v1/agents/{id}/embed", () => {
  it("gives members and API keys the snippet, the loader's URL and the public page, and tells whether it is published", async () => {
    const w = await makeWorld();
    const res = await call("GET", `/v1/agents/${w.agentId}/embed`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      html: `<speacknode-agent agent-id="${w.agentId}"></speacknode-agent>\n<script src="${origin}/speaknode-widget-loader.js" async></script>`,
      loaderUrl: `${origin}/speaknode-widget-loader.js`,
      publicLinkUrl: `${origin}/a/${w.agentId}`,
      published: false,
    });
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const published = await call("GET", `/v1/agents/${w.agentId}/embed`, { token: w.apiKey });
    expect(published.status).toBe(200);
    expect(published.body["published"]).toBe(true);
    // The snippet's URLs answer: the page of the published agent is there.
    const page = await call("GET", new URL(String(published.body["publicLinkUrl"])).pathname);
    expect(page.status).toBe(200);
  });

  it("answers 404 for an agent that does not exist and 400 for a malformed id", async () => {
    const w = await makeWorld();
    expectProblem(await call("GET", "/v1/agents/agt_01jqz8k3m4n5p6q7r8s9t0v1w2/embed", { token: w.owner.token }), 404, "not_found");
    const bad = await call("GET", "/v1/agents/not-an-id/embed", { token: w.owner.token });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.body["errors"]).toEqual([expect.objectContaining({ field: "path.agentId" })]);
  });

  it("is documented in the OpenAPI document with its response schema", async () => {
    const doc = await call("GET", "/openapi.json");
    const paths = doc.body["paths"] as Record<string, Record<string, unknown>>;
    expect(paths["/v1/agents/{agentId}/embed"]?.["get"]).toBeDefined();
    expect(paths["/a/{agentId}"]?.["get"]).toBeDefined();
    const schemas = (doc.body["components"] as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).toContain("AgentEmbed");
  });
});
