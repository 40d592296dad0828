import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld } from "../../test/helpers.ts";

const html = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("GET /a/{agentId}", () => {
  it("hosts the widget of a published agent under its published display name, escaped, keeping the query string", async () => {
    const w = await makeWorld();
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { widget: { displayName: `Ada's <Order> helper` } } });
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    // The draft changes after publishing; the page shows what is published.
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { widget: { displayName: "Draft name" } } });

    const res = await call("GET", `/a/${w.agentId}?customer_name=Ada&order_id=42`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.text).toContain("<title>Ada&#39;s &lt;Order&gt; helper · Speaknode</title>");
    expect(res.text).not.toContain("Draft name");
    expect(res.text).toContain(`<speacknode-agent agent-id="${w.agentId}"></speacknode-agent>`);
    expect(res.text).toContain(`<script src="/speaknode-widget-loader.js" async></script>`);
    expect(res.text).toContain('<html lang="en-US">');
  });

  it("shows a 404 page to browsers and a problem to API clients for unpublished, unknown and malformed agents", async () => {
    const w = await makeWorld();
    for (const id of [w.agentId, "agt_01jqz8k3m4n5p6q7r8s9t0v1w2", "nope"]) {
      const page = await call("GET", `/a/${id}`, { headers: html });
      expect(page.status).toBe(404);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.text).toContain("Agent not found");
      expect(page.text).not.toContain("<speacknode-agent");
      expect(page.text).not.toContain("speaknode-widget-loader.js");
      expectProblem(await call("GET", `/a/${id}`), 404, "not_found");
    }
  });

  it("stops serving the page once the agent is unpublished", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    expect((await call("GET", `/a/${w.agentId}`, { headers: html })).status).toBe(200);
    await call("POST", `/v1/agents/${w.agentId}/unpublish`, { token: w.owner.token });
    expect((await call("GET", `/a/${w.agentId}`, { headers: html })).status).toBe(404);
  });
});
