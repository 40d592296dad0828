import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { call, expectProblem, makeWorld, testEnv } from "../../test/helpers.ts";
import { callAtEdge, randomClientIp } from "../../test/edge.ts";

const path = (agentId: string) => `/public/agents/${agentId}/sessions`;
// The edge sets CF-Connecting-IP; each test's client gets an address of its own.
const fromIp = () => ({ "cf-connecting-ip": randomClientIp() });

describe("POST /public/agents/{id}/sessions", () => {
  it("starts a widget session with a published agent, typing URL-style string variables", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const res = await callAtEdge("POST", path(w.agentId), { json: { variables: { order_id: "42", customer_name: "Иван" }, visitorId: "v-1" }, headers: { ...fromIp(), origin: "https://shop.example" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    const session = await call("GET", `/v1/sessions/${String(res.body["sessionId"])}`, { token: w.owner.token });
    expect(session.body).toMatchObject({ channel: "widget", caller: "v-1", agentVersion: 1, variables: { order_id: 42, customer_name: "Иван" } });
  });

  it("answers 404 for an unpublished agent and 400 naming a bad variable, with CORS on errors", async () => {
    const w = await makeWorld();
    const unpublished = await callAtEdge("POST", path(w.agentId), { json: { variables: { order_id: "1" } }, headers: fromIp() });
    expectProblem(unpublished, 404, "not_found");
    expect(unpublished.headers.get("access-control-allow-origin")).toBe("*");
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const bad = await callAtEdge("POST", path(w.agentId), { json: { variables: { order_id: "4.5" } }, headers: fromIp() });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.body["errors"]).toEqual([expect.objectContaining({ field: "body.variables.order_id" })]);
  });

  it("limits sessions per IP address with 429 and Retry-After", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const ip = fromIp();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await callAtEdge("POST", path(w.agentId), { json: { variables: { order_id: String(i) } }, headers: ip })).status);
    expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
    const limited = await callAtEdge("POST", path(w.agentId), { json: { variables: { order_id: "1" } }, headers: ip });
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // A page on another origin may read it.
    expect(limited.headers.get("access-control-expose-headers")).toBe("retry-after");
    // Another address is not affected.
    expect((await callAtEdge("POST", path(w.agentId), { json: { variables: { order_id: "1" } }, headers: fromIp() })).status).toBe(201);
  });

  it("admits only the allowed origins, unless the widget carries a valid agent token", async () => {
    const w = await makeWorld();
    await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { widget: { allowedOrigins: ["https://shop.example"] } } });
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const body = { variables: { order_id: "7" } };
    expectProblem(await callAtEdge("POST", path(w.agentId), { json: body, headers: { ...fromIp(), origin: "https://evil.example" } }), 403, "forbidden");
    expectProblem(await callAtEdge("POST", path(w.agentId), { json: body, headers: fromIp() }), 403, "forbidden");
    expect((await callAtEdge("POST", path(w.agentId), { json: body, headers: { ...fromIp(), origin: "https://shop.example" } })).status).toBe(201);

    const issued = await call("POST", `/v1/agents/${w.agentId}/agent-tokens`, { token: w.member.token, json: { ttlS: 600 } });
    expect(issued.status).toBe(201);
    const agentToken = String(issued.body["token"]);
    expect((await callAtEdge("POST", path(w.agentId), { json: { ...body, agentToken }, headers: { origin: "https://elsewhere.example" } })).status).toBe(201);
    expect((await callAtEdge("POST", path(w.agentId), { json: body, headers: { authorization: `Bearer ${agentToken}` } })).status).toBe(201);
    // A token of another agent, a forged one and an expired one are refused.
    const other = await call("POST", `/v1/agents/${w.otherAgentId}/agent-tokens`, { token: w.outsider.token, json: {} });
    expectProblem(await callAtEdge("POST", path(w.agentId), { json: { ...body, agentToken: String(other.body["token"]) } }), 401, "unauthorized");
    expectProblem(await callAtEdge("POST", path(w.agentId), { json: { ...body, agentToken: "x.y.z" } }), 401, "unauthorized");
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ aid: w.agentId })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("speaknode")
      .setAudience("speaknode:agent")
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(testEnv.RUNTIME_TOKEN_SECRET));
    expectProblem(await callAtEdge("POST", path(w.agentId), { json: { ...body, agentToken: expired } }), 401, "token_expired");
  });
});
