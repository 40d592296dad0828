import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld } from "../../test/helpers.ts";
import { callAtEdge, callWithEnv, randomClientIp } from "../../test/edge.ts";
import { readConfig } from "../config.ts";
import { clientAddressKey } from "./client-address.ts";

const headers = (init: Record<string, string>) => new Headers(init);
const path = (agentId: string) => `/public/agents/${agentId}/sessions`;
const body = { variables: { order_id: "1" } };

describe("clientAddressKey", () => {
  it("keys on CF-Connecting-IP where the platform sets it, an IPv6 client by its /64", () => {
    expect(clientAddressKey(headers({ "cf-connecting-ip": "203.0.113.9" }), "cf-connecting-ip")).toBe("203.0.113.9");
    expect(clientAddressKey(headers({ "cf-connecting-ip": "::ffff:203.0.113.9" }), "cf-connecting-ip")).toBe("203.0.113.9");
    const a = clientAddressKey(headers({ "cf-connecting-ip": "2001:db8:1:2:aaaa::1" }), "cf-connecting-ip");
    expect(a).toBe("2001:db8:1:2::/64");
    expect(clientAddressKey(headers({ "cf-connecting-ip": "2001:db8:1:2:ffff:1:2:3" }), "cf-connecting-ip")).toBe(a);
    expect(clientAddressKey(headers({ "cf-connecting-ip": "2001:db8:1:3::1" }), "cf-connecting-ip")).not.toBe(a);
  });

  it("knows no address without a valid CF-Connecting-IP, and never reads X-Forwarded-For", () => {
    expect(clientAddressKey(headers({}), "cf-connecting-ip")).toBeUndefined();
    expect(clientAddressKey(headers({ "cf-connecting-ip": "unknown" }), "cf-connecting-ip")).toBeUndefined();
    expect(clientAddressKey(headers({ "cf-connecting-ip": "198.51.100.7-x" }), "cf-connecting-ip")).toBeUndefined();
    expect(clientAddressKey(headers({ "x-forwarded-for": "203.0.113.9" }), "cf-connecting-ip")).toBeUndefined();
  });

  it("in development keys on the loopback peer whatever the headers claim", () => {
    expect(clientAddressKey(headers({ "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "198.51.100.1" }), "loopback-peer")).toBe("loopback");
    expect(clientAddressKey(headers({}), "loopback-peer")).toBe("loopback");
  });
});

describe("which address the Worker trusts (TRUST_CF_CONNECTING_IP)", () => {
  const base = {
    DATABASE_URL: "postgres://x@127.0.0.1/x",
    OIDC_ISSUER: "https://sso.example.com/realms/speaknode",
    SECRETS_KEY: "dGVzdC1zZWNyZXRzLWtleS0zMi1ieXRlcy1sb25nISE=",
    RUNTIME_TOKEN_SECRET: "test-runtime-token-secret-of-32-chars!",
  };
  it("trusts CF-Connecting-IP in production by default and the loopback peer on a development platform", () => {
    expect(readConfig({ ...base }).publicRateLimits.clientAddress).toBe("cf-connecting-ip");
    const dev = { ...base, OIDC_ISSUER: "http://127.0.0.1:8787/dev/oidc", DEV_TOOLS_ENABLED: "true", DEV_OIDC_PRIVATE_JWK: JSON.stringify({ kty: "RSA", d: "x" }) };
    expect(readConfig({ ...dev }).publicRateLimits.clientAddress).toBe("loopback-peer");
    expect(readConfig({ ...dev, TRUST_CF_CONNECTING_IP: "true" }).publicRateLimits.clientAddress).toBe("cf-connecting-ip");
  });

  it("refuses to start a production Worker that would put every client in one bucket", () => {
    expect(() => readConfig({ ...base, TRUST_CF_CONNECTING_IP: "false" })).toThrow(/development only/);
  });
});

describe("the per-address limit of public dispatch", () => {
  it("in development gives a client forging CF-Connecting-IP or X-Forwarded-For no fresh bucket", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    // The development defaults (dev tools on), with a small limit so the test is quick.
    const dev = { TRUST_CF_CONNECTING_IP: "false", RATE_LIMIT_IP_PER_MIN: "2" };
    const forged = () => ({ "cf-connecting-ip": randomClientIp(), "x-forwarded-for": randomClientIp() });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await callWithEnv(dev, "POST", path(w.agentId), { json: body, headers: forged() })).status);
    expect(statuses.slice(0, 2)).toEqual([201, 201]);
    expect(statuses[2]).toBe(429);
    expectProblem(await callWithEnv(dev, "POST", path(w.agentId), { json: body, headers: {} }), 429, "rate_limited");
  });

  it("at the edge refuses a request without a client address instead of counting it in a shared bucket", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const res = await callAtEdge("POST", path(w.agentId), { json: body });
    expectProblem(res, 403, "forbidden");
    expect(res.body["detail"]).toContain("address is unknown");
    expect((await callAtEdge("POST", path(w.agentId), { json: body, headers: { "cf-connecting-ip": randomClientIp() } })).status).toBe(201);
  });

  it("at the edge counts the addresses of one IPv6 /64 together", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const [a, b] = crypto.getRandomValues(new Uint16Array(2));
    const prefix = `2001:db8:${(a ?? 0).toString(16)}:${(b ?? 0).toString(16)}`;
    const edge = { RATE_LIMIT_IP_PER_MIN: "2" };
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) statuses.push((await callWithEnv(edge, "POST", path(w.agentId), { json: body, headers: { "cf-connecting-ip": `${prefix}::${i}` } })).status);
    expect(statuses).toEqual([201, 201, 429]);
    const neighbour = `2001:db8:${(a ?? 0).toString(16)}:${(((b ?? 0) + 1) & 0xffff).toString(16)}::1`;
    expect((await callWithEnv(edge, "POST", path(w.agentId), { json: body, headers: { "cf-connecting-ip": neighbour } })).status).toBe(201);
  });
});
