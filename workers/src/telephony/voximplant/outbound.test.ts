import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Context } from "hono";
import { readConfig } from "../../config.ts";
import type { AppEnv } from "../../context.ts";
import type { ConnectionRow } from "../connections.ts";
import { outboundTokenValid, type OutboundCustomData } from "./call-token.ts";
import { controlVoximplantCall } from "./control.ts";
import { FakeVoximplant, keyBody } from "./fake-voximplant.ts";
import { voximplantOps } from "./ops.ts";
import { startVoximplantCall, voximplantCallRefusal } from "./outbound.ts";

const config = readConfig(env);
const ctx = { get: (k: string) => (k === "config" ? config : undefined), req: { url: "https://edge.example/x", query: () => undefined } } as unknown as Context<AppEnv>;
afterEach(() => vi.unstubAllGlobals());

async function setup() {
  const vox = new FakeVoximplant(config.telephony.voximplantApiBaseUrl, globalThis.fetch);
  vi.stubGlobal("fetch", vox.fetch);
  const account = await vox.addAccount();
  const app = account.applications[0]!;
  const id = "tcn_01jtestvoxoutbound000000001";
  const cols = await voximplantOps.create(ctx, id, { provider: "voximplant", name: "v", serviceAccountKey: keyBody(account), applicationId: app.applicationId, ruleId: app.rules[0]!, encoding: "pcm8" });
  return { vox, account, connection: { id, provider: "voximplant", ...cols } as unknown as ConnectionRow };
}

describe("outbound VoxImplant calls", () => {
  it("start the connection's rule with custom data under VoxEngine's 200 bytes, naming the session with a token only this platform can make", async () => {
    const { account, connection } = await setup();
    const sessionId = "ses_01jtestsession00000000000001";
    const placed = await startVoximplantCall({ config }, { connection, sessionId, agentId: "agt_x", from: "+15555550200", to: "+15555550100", ringTimeoutS: 30, timeLimitS: 3600 });
    const [started] = account.started;
    expect(started?.ruleId).toBe(account.applications[0]!.rules[0]);
    expect(placed).toEqual({ providerCallId: String(started?.historyId), controlUrl: `https://media.fake/request/${started?.historyId}` });
    expect(new TextEncoder().encode(started?.customData).length).toBeLessThanOrEqual(200);
    const custom = JSON.parse(started!.customData) as OutboundCustomData;
    expect(custom).toMatchObject({ v: 1, kind: "outbound", sessionId, ringS: 30, maxS: 3600 });
    expect(started?.customData).not.toContain("5555");
    expect(await outboundTokenValid(config.runtime.tokenSecret, connection.id, custom)).toBe(true);
    expect(await outboundTokenValid(config.runtime.tokenSecret, "tcn_other", custom)).toBe(false);
    expect(await outboundTokenValid(config.runtime.tokenSecret, connection.id, { ...custom, maxS: 99999 })).toBe(false);
  });

  it("refused by VoxImplant give the session a reason and the API a problem like Twilio's", async () => {
    const { account, connection } = await setup();
    account.failNext.set("StartScenarios", { msg: "Rule not found", code: 404 });
    const err = await startVoximplantCall({ config }, { connection, sessionId: "ses_x", agentId: "agt_x", from: "+1", to: "+1", ringTimeoutS: 30, timeLimitS: 60 }).catch((e: unknown) => e);
    const refusal = voximplantCallRefusal(err);
    expect(refusal.reason).toBe("VoxImplant refused the call (VoxImplant error 404)");
    expect(refusal.error.code).toBe("upstream_rejected");
    expect(voximplantCallRefusal(new Error("x")).error.code).toBe("upstream_unavailable");
  });
});

describe("controlling a VoxImplant call", () => {
  const answering = (status: number, body: unknown) => {
    const seen: { url: string; body: unknown }[] = [];
    const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), body: JSON.parse(String(init?.body)) });
      return new Response(JSON.stringify(body), { status });
    }) as typeof fetch;
    return { f, seen };
  };

  it("posts the command to the session's access URL and accepts {ok:true}", async () => {
    const { f, seen } = answering(200, { ok: true });
    await controlVoximplantCall(config, "https://media.fake/request/1", { command: "transfer", to: "+15555550300", from: "+15555550200" }, f);
    expect(seen).toEqual([{ url: "https://media.fake/request/1", body: { command: "transfer", to: "+15555550300", from: "+15555550200" } }]);
  });

  it("says 409 when the call is over or the scenario refuses, 503 when VoxImplant fails", async () => {
    await expect(controlVoximplantCall(config, "https://media.fake/request/1", { command: "hangup" }, answering(404, {}).f)).rejects.toMatchObject({ code: "conflict" });
    await expect(controlVoximplantCall(config, "https://media.fake/request/1", { command: "hangup" }, answering(200, { ok: false, error: "unknown command" }).f)).rejects.toMatchObject({ code: "conflict" });
    await expect(controlVoximplantCall(config, "https://media.fake/request/1", { command: "hangup" }, answering(502, {}).f)).rejects.toMatchObject({ code: "upstream_unavailable" });
    await expect(controlVoximplantCall(config, "not a url", { command: "hangup" })).rejects.toMatchObject({ code: "conflict" });
    // The SSRF policy holds when the URL is used too: a private or link-local address is never called.
    for (const url of ["http://169.254.169.254/latest/meta-data", "https://10.1.2.3/request/1"]) {
      const never = answering(200, { ok: true });
      await expect(controlVoximplantCall(config, url, { command: "hangup" }, never.f)).rejects.toMatchObject({ code: "conflict" });
      expect(never.seen).toHaveLength(0);
    }
  });
});
