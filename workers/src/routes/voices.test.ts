// Runtime capability reports, provider readiness, the voice library and spoken previews.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { decodeJwt, jwtVerify } from "jose";
import { runtimeCapabilities } from "@speaknode/db";
import { createApp } from "../app.ts";
import { freshReports } from "../agents/readiness.ts";
import { call, expectProblem, makeWorld, testEnv, withDb, type CallResult } from "../../test/helpers.ts";
import { runtimeCall, serviceToken } from "../runtime/testing.ts";

const app = createApp();
const runtimeUrl = "http://runtime.example.test:8790";
const previewEnv = { ...env, RUNTIME_HTTP_URL: runtimeUrl };

async function preview(token: string, spaceId: string, json: unknown): Promise<CallResult> {
  const res = await app.request(`/v1/spaces/${spaceId}/voices/preview`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(json) }, previewEnv);
  const text = res.headers.get("content-type")?.startsWith("audio/") ? "" : await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as CallResult["body"]) : {}, text };
}

interface Seen {
  url: string;
  authorization: string | null;
  body: Record<string, unknown>;
}
/** The runtime's /v1/tts/preview behind the global fetch: answers `answer`, keeps what it got. */
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
const wav = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4]);

afterEach(() => {
  vi.unstubAllGlobals();
});

const report = (runtimeId: string, providers: unknown[], voices: Record<string, unknown[]> = {}) => ({ runtimeId, providers, voices });

describe("runtime capability reports", () => {
  it("are taken only with the runtime's own service token", async () => {
    const w = await makeWorld();
    const body = report(`rt-${crypto.randomUUID()}`, []);
    expectProblem(await runtimeCall("PUT", "/capabilities", { token: null, json: body }), 401, "unauthorized");
    expectProblem(await runtimeCall("PUT", "/capabilities", { token: w.owner.token, json: body }), 401, "unauthorized");
    expectProblem(await runtimeCall("PUT", "/capabilities", { token: await serviceToken({ sessionId: "ses_00000000000000000000000000" }), json: body }), 403, "forbidden");
    expectProblem(await runtimeCall("PUT", "/capabilities", { json: { ...body, providers: [{ kind: "tts", provider: "flite" }] } }), 400, "validation_failed");
  });

  it("replace the runtime's previous report, and a report older than 15 minutes is ignored", async () => {
    const runtimeId = `rt-${crypto.randomUUID()}`;
    const flite = { kind: "tts", provider: "flite", platformKey: false, available: true, languages: ["en"] };
    expect((await runtimeCall("PUT", "/capabilities", { json: report(runtimeId, [flite]) })).status).toBe(204);
    expect((await runtimeCall("PUT", "/capabilities", { json: report(runtimeId, [{ ...flite, available: false, reason: "not installed" }]) })).status).toBe(204);
    const mine = async () => (await withDb((db) => freshReports(db, new Date()))).find((r) => r.runtimeId === runtimeId);
    expect((await mine())?.body.providers).toEqual([{ ...flite, available: false, reason: "not installed" }]);
    await withDb((db) => db.update(runtimeCapabilities).set({ reportedAt: new Date(Date.now() - 16 * 60_000) }).where(eq(runtimeCapabilities.runtimeId, runtimeId)));
    expect(await mine()).toBeUndefined();
  });
});

describe("provider readiness", () => {
  it("shows offline engines a runtime has, platform keys it holds and the space's own keys, to members only", async () => {
    const w = await makeWorld();
    await runtimeCall("PUT", "/capabilities", { json: report(`rt-${crypto.randomUUID()}`, [{ kind: "tts", provider: "openai", platformKey: true, available: true }]) });
    await call("POST", `/v1/spaces/${w.spaceId}/provider-credentials`, { token: w.owner.token, json: { provider: "deepgram", name: "Ours", apiKey: "dg-key-0123456789" } });
    const res = await call("GET", `/v1/spaces/${w.spaceId}/providers`, { token: w.apiKey });
    expect(res.status, res.text).toBe(200);
    const data = res.body["data"] as { kind: string; provider: string }[];
    const of = (kind: string, provider: string) => data.find((d) => d.kind === kind && d.provider === provider);
    expect(of("stt", "pocketsphinx")).toEqual({ kind: "stt", provider: "pocketsphinx", usable: true, source: "offline", reason: null, languages: ["en-US"] });
    expect(of("tts", "openai")).toMatchObject({ usable: true, source: "platform" });
    expect(of("stt", "deepgram")).toMatchObject({ usable: true, source: "space" });
    expect(typeof res.body["runtimeReportedAt"]).toBe("string");
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/providers`, { token: w.outsider.token }), 404, "not_found");
  });
});

describe("the voice library", () => {
  it("lists a closed catalog as it is, and adds the voices a runtime listed from the provider's API", async () => {
    const w = await makeWorld();
    const flite = await call("GET", `/v1/spaces/${w.spaceId}/voices?provider=flite`, { token: w.member.token });
    expect(flite.body).toMatchObject({ provider: "flite", source: "catalog", closed: true });
    expect((flite.body["voices"] as unknown[])[0]).toEqual({ id: "rms", name: "RMS", language: "en-US", gender: "male", style: "US English, male" });
    const id = Array.from({ length: 20 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(Math.random() * 36)]).join("");
    await runtimeCall("PUT", "/capabilities", { json: report(`rt-${crypto.randomUUID()}`, [], { elevenlabs: [{ id, name: "Listed voice", language: "en", gender: "female", style: "warm" }] }) });
    const eleven = await call("GET", `/v1/spaces/${w.spaceId}/voices?provider=elevenlabs`, { token: w.member.token });
    expect(eleven.body).toMatchObject({ provider: "elevenlabs", source: "provider", closed: false });
    expect(eleven.body["voices"]).toContainEqual({ id, name: "Listed voice", language: "en", gender: "female", style: "warm" });
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/voices`, { token: w.member.token }), 400, "validation_failed");
  });
});

describe("voice previews", () => {
  it("ask the runtime with a 60-second tts-preview token and stream its WAV back, sending no key for the platform's", async () => {
    const w = await makeWorld();
    const seen = fakeRuntime(() => new Response(wav, { headers: { "content-type": "audio/wav" } }));
    const res = await app.request(`/v1/spaces/${w.spaceId}/voices/preview`, { method: "POST", headers: { authorization: `Bearer ${w.member.token}`, "content-type": "application/json" }, body: JSON.stringify({ provider: "flite", model: "flite", voice: "slt", speed: 1.2, language: "de" }) }, previewEnv);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/wav");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(wav);
    expect(seen).toHaveLength(1);
    const [got] = seen;
    expect(got?.url).toBe(`${runtimeUrl}/v1/tts/preview`);
    expect(got?.body).toEqual({ provider: "flite", model: "flite", voice: "slt", speed: 1.2, language: "de", text: "Hallo! So klinge ich. Wie kann ich Ihnen heute helfen?", credential: null });
    const token = got?.authorization?.replace(/^Bearer /, "") ?? "";
    const { payload } = await jwtVerify(token, new TextEncoder().encode(testEnv.RUNTIME_TOKEN_SECRET), { issuer: "speaknode", audience: "speaknode:tts-preview", algorithms: ["HS256"] });
    expect(payload).toMatchObject({ scope: "tts-preview", sub: w.spaceId });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
  });

  it("send the space's own key, decrypted, only when the body names one of its keys for the same provider", async () => {
    const w = await makeWorld();
    const key = await call("POST", `/v1/spaces/${w.spaceId}/provider-credentials`, { token: w.owner.token, json: { provider: "openai", name: "Speech", apiKey: "sk-space-key-0123456789" } });
    const deepgram = await call("POST", `/v1/spaces/${w.spaceId}/provider-credentials`, { token: w.owner.token, json: { provider: "deepgram", name: "Ears", apiKey: "dg-key-0123456789" } });
    const seen = fakeRuntime(() => new Response(wav, { headers: { "content-type": "audio/wav" } }));
    const body = { provider: "openai", model: "gpt-4o-mini-tts", voice: "nova", text: "Hi there" };
    expect((await preview(w.member.token, w.spaceId, { ...body, credentialId: key.body["id"] })).status).toBe(200);
    expect(seen[0]?.body["credential"]).toEqual({ apiKey: "sk-space-key-0123456789", baseUrl: "https://api.openai.com/v1" });
    expect(decodeJwt(seen[0]?.authorization?.slice(7) ?? "").sub).toBe(w.spaceId);
    const wrong = await preview(w.member.token, w.spaceId, { ...body, credentialId: deepgram.body["id"] });
    expectProblem(wrong, 400, "validation_failed");
    expect(wrong.body["errors"]).toEqual([{ field: "body.credentialId", message: 'provider key "Ears" is for deepgram, not openai' }]);
    expect(seen).toHaveLength(1);
  });

  it("refuse a voice of another provider or a model out of the catalog before asking the runtime", async () => {
    const w = await makeWorld();
    const seen = fakeRuntime(() => new Response(wav, { headers: { "content-type": "audio/wav" } }));
    const voice = await preview(w.member.token, w.spaceId, { provider: "flite", model: "flite", voice: "alloy" });
    expectProblem(voice, 400, "validation_failed");
    expect(voice.body["errors"]).toEqual([{ field: "body.voice", message: '"alloy" is not a flite voice; one of rms, slt, awb, kal16, kal' }]);
    expectProblem(await preview(w.member.token, w.spaceId, { provider: "flite", model: "nosuch", voice: "rms" }), 400, "validation_failed");
    expectProblem(await preview(w.outsider.token, w.spaceId, { provider: "flite", model: "flite", voice: "rms" }), 404, "not_found");
    expect(seen).toEqual([]);
  });

  it("turn the runtime's refusals and absence into 502 and 503 problems with a sentence", async () => {
    const w = await makeWorld();
    const body = { provider: "flite", model: "flite", voice: "rms" };
    fakeRuntime(() => Response.json({ code: "voice_unknown", message: "flite has no voice rms installed" }, { status: 422 }));
    const refused = await preview(w.member.token, w.spaceId, body);
    expectProblem(refused, 502, "upstream_rejected");
    expect(refused.body["detail"]).toBe("The voice runtime could not speak the sample: flite has no voice rms installed");
    fakeRuntime(() => "unreachable");
    const down = await preview(w.member.token, w.spaceId, body);
    expectProblem(down, 503, "upstream_unavailable");
    expect(down.body["detail"]).toContain("could not be reached");
  });

  it("allow 20 a minute per space", async () => {
    const w = await makeWorld();
    fakeRuntime(() => new Response(wav, { headers: { "content-type": "audio/wav" } }));
    const body = { provider: "flite", model: "flite", voice: "rms", text: "One" };
    for (let i = 0; i < 20; i++) expect((await preview(w.member.token, w.spaceId, body)).status).toBe(200);
    const limited = await preview(w.member.token, w.spaceId, body);
    expectProblem(limited, 429, "rate_limited");
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
