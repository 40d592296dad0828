import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessions, telephonyConnections } from "@speaknode/db";
import { verifySessionToken } from "@speaknode/tokens";
import { call, makeWorld, origin, testEnv, withDb } from "../../test/helpers.ts";
import { createApp } from "../app.ts";
import { addNumber, newE164, publishedPhoneAgent } from "../telephony/testing.ts";
import { outboundCustomData } from "../telephony/voximplant/call-token.ts";
import { newScenarioSecret, sealVoximplantSecrets } from "../telephony/voximplant/credentials.ts";
import { makeKeyFile } from "../telephony/voximplant/testing.ts";

const app = createApp();

async function voxWorld() {
  const world = await makeWorld();
  const agentId = await publishedPhoneAgent(world);
  const connectionId = newId("telephonyConnection");
  const key = await makeKeyFile();
  const secret = newScenarioSecret();
  const sealed = await sealVoximplantSecrets(testEnv.SECRETS_KEY, connectionId, { serviceAccountKey: { account_id: key.account_id, key_id: key.key_id, private_key: key.private_key }, scenarioSecret: secret });
  await withDb((db) => db.insert(telephonyConnections).values({ id: connectionId, spaceId: world.spaceId, provider: "voximplant", name: `Vox ${connectionId}`, ...sealed, settings: { applicationId: 1, ruleId: 2, encoding: "pcm8", keyId: key.key_id } }));
  const number = await addNumber({ world, connectionId }, { agentId });
  return { world, agentId, connectionId, secret, ...number };
}

const postCalls = async (connectionId: string, secret: string, body: unknown) => {
  const res = await app.request(`${origin}/telephony/voximplant/${connectionId}/calls`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${secret}` }, body: JSON.stringify(body) }, env);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("an outbound VoxImplant call's /calls request", () => {
  it("dials the session's destination from its number once its token matches, and binds the VoxImplant session to it", async () => {
    const w = await voxWorld();
    const sessionId = newId("session");
    const to = newE164();
    await withDb((db) => db.insert(sessions).values({ id: sessionId, spaceId: w.world.spaceId, agentId: w.agentId, status: "dispatching", channel: "phone", language: "en", mediaDriver: "local", direction: "outbound", fromNumber: w.e164, toNumber: to, phoneNumberId: w.numberId }));
    const custom = await outboundCustomData(testEnv.RUNTIME_TOKEN_SECRET, w.connectionId, { sessionId, ringS: 30, maxS: 600 });
    const req = { v: 1, kind: "outbound", sessionId, token: custom.token, ringS: 30, maxS: 600, sessionHistoryId: "777000111", accessUrl: "https://media.fake/request/777" };

    const forged = await postCalls(w.connectionId, w.secret, { ...req, maxS: 86_000 });
    expect(forged.body).toMatchObject({ action: "reject", sipCode: 404 });

    const res = await postCalls(w.connectionId, w.secret, req);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: "dial", to, from: w.e164, encoding: "pcm8", ringS: 30, maxS: 600 });
    const token = new URL(String(res.body["bridgeUrl"])).searchParams.get("token") ?? "";
    expect(await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, token, "media")).toMatchObject({ sessionId, agentId: w.agentId, role: "voximplant" });
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(row).toMatchObject({ providerCallId: "777000111", providerControlUrl: "https://media.fake/request/777" });

    // Another connection's scenario cannot dial this session, even with the right token shape.
    const other = await voxWorld();
    expect((await postCalls(other.connectionId, other.secret, req)).body).toMatchObject({ action: "reject", sipCode: 404 });
    // Once the session has ended, the call is not placed.
    await withDb((db) => db.update(sessions).set({ status: "failed" }).where(eq(sessions.id, sessionId)));
    expect((await postCalls(w.connectionId, w.secret, req)).body).toMatchObject({ action: "reject", sipCode: 480 });
  });
});

describe("GET /v1/telephony-connections/{id}/voximplant-scenario and its rotation", () => {
  it("give Owners the scenario with this platform's URL and the secret; a rotated secret stops the old scenario", async () => {
    const w = await voxWorld();
    const res = await call("GET", `/v1/telephony-connections/${w.connectionId}/voximplant-scenario`, { token: w.world.owner.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ connectionId: w.connectionId, fileName: `speaknode-${w.connectionId}.js` });
    const script = String(res.body["script"]);
    expect(script).toContain(JSON.stringify(`${origin}/telephony/voximplant/${w.connectionId}`));
    expect(script).toContain(JSON.stringify(w.secret));

    expect((await call("GET", `/v1/telephony-connections/${w.connectionId}/voximplant-scenario`, { token: w.world.member.token })).status).toBe(403);
    expect((await call("POST", `/v1/telephony-connections/${w.connectionId}/voximplant-scenario/rotate`, { token: w.world.member.token })).status).toBe(403);

    const rotated = await call("POST", `/v1/telephony-connections/${w.connectionId}/voximplant-scenario/rotate`, { token: w.world.owner.token });
    expect(rotated.status).toBe(200);
    expect(String(rotated.body["script"])).not.toContain(w.secret);
    const inbound = { v: 1, callId: "c", sessionHistoryId: "1", accessUrl: "", from: "1", to: w.e164.slice(1) };
    expect((await postCalls(w.connectionId, w.secret, inbound)).status).toBe(401);
    const fresh = /const SPEAKNODE_SECRET = "([^"]+)";/.exec(String(rotated.body["script"]))?.[1] ?? "";
    expect((await postCalls(w.connectionId, fresh, inbound)).status).toBe(200);
  });
});
