// Outbound calls, transfers and hang-ups of a VoxImplant number through the provider switch:
// StartScenarios places the call (helper C's FakeVoximplant answers the Management API) and the
// scenario session's access URL receives the transfer and hang-up commands.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "@speaknode/contracts";
import { phoneNumbers, sessions, telephonyConnections } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { readConfig } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { postEvent, runtimeCall, serviceToken } from "../runtime/testing.ts";
import { publishedPhoneAgent } from "./testing.ts";
import { FakeVoximplant, keyBody, type FakeVoxAccount } from "./voximplant/fake-voximplant.ts";
import { voximplantOps } from "./voximplant/ops.ts";

const config = readConfig(env);
const ctx = { get: (k: string) => (k === "config" ? config : undefined), req: { url: "https://edge.example/x", query: () => undefined } } as unknown as Context<AppEnv>;
afterEach(() => vi.unstubAllGlobals());

const transferAgent = { tools: [{ type: "system", name: "transfer_to_number", destinations: [{ name: "front desk", number: "+14155550177", when: "anything" }] }] };

interface VoxWorld {
  world: World;
  agentId: string;
  numberId: string;
  e164: string;
  account: FakeVoxAccount;
  /** Commands the scenario sessions' access URLs received. */
  commands: { url: string; body: unknown }[];
}

async function voxWorld(): Promise<VoxWorld> {
  const commands: VoxWorld["commands"] = [];
  const realFetch = globalThis.fetch;
  const scenario: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (!request.url.startsWith("https://media.fake/")) return realFetch(input, init);
    commands.push({ url: request.url, body: await request.json() });
    return Response.json({ ok: true });
  };
  const vox = new FakeVoximplant(config.telephony.voximplantApiBaseUrl, scenario);
  vi.stubGlobal("fetch", vox.fetch);
  const account = await vox.addAccount();
  const app = account.applications[0];
  if (!app?.rules[0]) throw new Error("no application");
  const world = await makeWorld();
  const agentId = await publishedPhoneAgent(world, transferAgent);
  const connectionId = newId("telephonyConnection");
  const cols = await voximplantOps.create(ctx, connectionId, { provider: "voximplant", name: "Vox", serviceAccountKey: keyBody(account), applicationId: app.applicationId, ruleId: app.rules[0], encoding: "pcm8" });
  const numberId = newId("phoneNumber");
  const e164 = `+1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, "0")}`;
  await withDb(async (db) => {
    await db.insert(telephonyConnections).values({ id: connectionId, spaceId: world.spaceId, provider: "voximplant", name: "Vox", ...cols });
    await db.insert(phoneNumbers).values({ id: numberId, spaceId: world.spaceId, connectionId, e164, providerNumberId: "1", agentId, allowedCountries: ["US"], maxConcurrentCalls: 10 });
  });
  return { world, agentId, numberId, e164, account, commands };
}

const sessionRow = async (id: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, id))))[0];
const place = (vw: VoxWorld) => call("POST", `/v1/agents/${vw.agentId}/calls`, { token: vw.world.owner.token, json: { to: "+14155550100", fromNumberId: vw.numberId, variables: {} } });

describe("VoxImplant numbers through the call flows", () => {
  it("place calls with StartScenarios: the call session history id is the call's, its access URL where it is controlled", async () => {
    const vw = await voxWorld();
    const res = await place(vw);
    expect(res.status, res.text).toBe(201);
    const historyId = String(vw.account.started[0]?.historyId);
    expect(res.body).toMatchObject({ status: "dispatching", providerCallId: historyId });
    expect(await sessionRow(String(res.body["sessionId"]))).toMatchObject({ providerCallId: historyId, providerStatus: "initiated", providerControlUrl: `https://media.fake/request/${historyId}`, mediaDriver: "voximplant" });
  });

  it("answer VoxImplant refusing the call as a problem, failing the session", async () => {
    const vw = await voxWorld();
    vw.account.failNext.set("StartScenarios", { msg: "Rule not found", code: 404 });
    expectProblem(await place(vw), 502, "upstream_rejected");
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, vw.numberId)));
    expect(row).toMatchObject({ status: "failed", failureReason: "VoxImplant refused the call (VoxImplant error 404)" });
  });

  it("transfer and hang up a live call by commands to its scenario", async () => {
    const vw = await voxWorld();
    const placed = await place(vw);
    const sessionId = String(placed.body["sessionId"]);
    const controlUrl = `https://media.fake/request/${String(vw.account.started[0]?.historyId)}`;
    expect((await postEvent(sessionId, "ready", { type: "agent.ready" })).status).toBe(200);

    const transferred = await runtimeCall("POST", `/sessions/${sessionId}/phone/transfer`, { token: await serviceToken({ sessionId }), json: { destination: "front desk" } });
    expect(transferred.status, transferred.text).toBe(200);
    const ended = await call("POST", `/v1/sessions/${sessionId}/end`, { token: vw.world.owner.token });
    expect(ended.status, ended.text).toBe(202);
    expect(vw.commands).toEqual([
      { url: controlUrl, body: { command: "transfer", to: "+14155550177", from: vw.e164 } },
      { url: controlUrl, body: { command: "hangup" } },
    ]);
  });
});
