// Publishing asks the voice runtime to warm the new version's greetings: a greeting-warm token for
// the agent, the locales as sessions of that version get them (first messages rendered with the
// variables' defaults), only what the runtime would speak exactly; a runtime that is down never
// fails the publish.
import { env } from "cloudflare:workers";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../app.ts";
import { agentBody } from "../../test/fixtures.ts";
import { call, makeWorld, testEnv } from "../../test/helpers.ts";
import { greetingWithDefaults } from "./greeting-warm.ts";

const app = createApp();
const runtimeUrl = "http://runtime.example.test:8790";
const runtimeEnv = { ...env, RUNTIME_HTTP_URL: runtimeUrl };

interface Seen {
  url: string;
  authorization: string | null;
  body: Record<string, unknown>;
}
/** The runtime's warm route behind the global fetch: answers `answer`, keeps what it got. */
function fakeRuntime(answer: () => Response | "unreachable"): Seen[] {
  const seen: Seen[] = [];
  const realFetch = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(runtimeUrl)) return realFetch(input, init);
    seen.push({ url: request.url, authorization: request.headers.get("authorization"), body: (await request.json()) as Record<string, unknown> });
    const a = answer();
    if (a === "unreachable") throw new TypeError("fetch failed: connection refused");
    return a;
  });
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

async function until<T>(read: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const locales = [
  { language: "en-US", firstMessage: "Hi {{customer_name}}!", tts: { provider: "flite", model: "flite", voice: "rms" } },
  { language: "en-GB", firstMessage: "Order {{order_id}}, is it?", tts: { provider: "flite", model: "flite", voice: "slt" } },
  { language: "en-IN", firstMessage: "Good day.", tts: { provider: "flite", model: "flite", voice: "kal16" }, speed: 1.2 },
];

async function publish(token: string, agentId: string) {
  return app.request(`/v1/agents/${agentId}/publish`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" }, runtimeEnv);
}

describe("warming greetings at publish", () => {
  it("sends the version's locales whose first message the runtime can know, rendered with defaults, with a greeting-warm token for the agent", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ locales }) });
    expect(created.status).toBe(201);
    const agentId = String(created.body["id"]);
    const seen = fakeRuntime(() => Response.json({ results: [] }));

    const res = await publish(w.owner.token, agentId);
    expect(res.status, await res.clone().text()).toBe(200);
    const got = await until(() => seen[0]);
    expect(got.url).toBe(`${runtimeUrl}/v1/greetings/warm`);
    const token = got.authorization?.replace(/^Bearer /, "") ?? "";
    const { payload } = await jwtVerify(token, new TextEncoder().encode(testEnv.RUNTIME_TOKEN_SECRET), { issuer: "speaknode", audience: "speaknode:greeting-warm", algorithms: ["HS256"] });
    expect(payload).toMatchObject({ scope: "greeting-warm", sub: w.spaceId, agt: agentId });
    expect(got.body).toMatchObject({ agentId, agentVersion: 1, draftVersion: null });
    const greetings = got.body["greetings"] as { locale: Record<string, unknown>; credential: unknown }[];
    // en-GB needs order_id, which has no default: not sent.
    expect(greetings.map((g) => [g.locale["language"], g.locale["firstMessage"], g.locale["speed"], g.credential])).toEqual([
      ["en-US", "Hi there!", 1, null],
      ["en-IN", "Good day.", 1.2, null],
    ]);
    expect(greetings[0]?.locale["tts"]).toMatchObject({ provider: "flite", model: "flite", voice: "rms" });
  });

  it("never fails the publish when the runtime is unreachable", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ locales }) });
    const seen = fakeRuntime(() => "unreachable");
    const res = await publish(w.owner.token, String(created.body["id"]));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ published: true, publishedVersion: 1 });
    await until(() => seen[0]);
  });

  it("renders a greeting only when every placeholder has a default", () => {
    const variables = { type: "object" as const, properties: { name: { type: "string" as const, default: "there" }, n: { type: "integer" as const }, maybe: { type: "string" as const, nullable: true } }, required: ["n"] };
    expect(greetingWithDefaults("Hello {{ name }}, welcome.", variables)).toBe("Hello there, welcome.");
    expect(greetingWithDefaults("Plain text.", variables)).toBe("Plain text.");
    expect(greetingWithDefaults("Order {{n}}.", variables)).toBeNull();
    expect(greetingWithDefaults("Hi {{maybe}}.", variables)).toBeNull();
    expect(greetingWithDefaults("Hi {{undeclared}}.", variables)).toBeNull();
    expect(greetingWithDefaults("  ", variables)).toBeNull();
  });
});
