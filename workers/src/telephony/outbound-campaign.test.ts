// placeOutboundCall without a request, as a campaign's runner calls it: the session is the
// attempt's (linked, on the campaign's pinned version, created before Twilio is asked), a second
// session for one attempt is refused before any provider request, the campaign's voicemail policy
// is what the runtime gets, and refusals are sorted into "try again later" and "give up".
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CampaignSettings, newId, OutboundCallBody } from "@speaknode/contracts";
import { agents, campaigns, sessions } from "@speaknode/db";
import { readConfig } from "../config.ts";
import { ApiError } from "../errors.ts";
import { call, makeWorld, origin, withDb, type World } from "../../test/helpers.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall, twilioError, type PhoneFixture } from "../../test/outbound-fixtures.ts";
import { runtimeCall } from "../runtime/testing.ts";
import { attemptAlreadyHasSession, callRefusalKind, placeOutboundCall, type CallDeps, type CampaignCallOptions } from "./outbound.ts";
import { publishedPhoneAgent } from "./testing.ts";

let world: World;
let agentId: string;
let number: PhoneFixture;
let campaignId: string;

beforeAll(async () => {
  world = await makeWorld();
  // Version 1 is what the campaign pins; version 2 is published after its launch.
  agentId = await publishedPhoneAgent(world);
  await call("PATCH", `/v1/agents/${agentId}`, { token: world.owner.token, json: { systemPrompt: "Version two for {{customer_name}}." } });
  const republished = await call("POST", `/v1/agents/${agentId}/publish`, { token: world.owner.token });
  if (republished.status !== 200 && republished.status !== 201) throw new Error(`publish failed: ${republished.text}`);
  number = await phoneFixture(world.spaceId, { maxConcurrentCalls: 20 });
  campaignId = newId("campaign");
  const settings = CampaignSettings.parse({ callerNumberIds: [number.phoneNumberId], voicemail: { action: "leave_message", message: "Campaign message for {{customer_name}}." } });
  await withDb((db) => db.insert(campaigns).values({ id: campaignId, spaceId: world.spaceId, agentId, agentVersion: 1, name: "Spring", status: "running", settings }));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const body = () => OutboundCallBody.parse({ to: "+14155550100", fromNumberId: number.phoneNumberId });
const campaignOpts = (attemptId: string): CampaignCallOptions => ({ campaignId, attemptId, agentVersion: 1, maxDurationS: 300, voicemail: "inherit" });

/** Runs `fn` with the dependencies a Durable Object builds for itself (no Hono context). */
async function withDeps<T>(fn: (deps: CallDeps, agent: typeof agents.$inferSelect) => Promise<T>): Promise<T> {
  return withDb(async (db) => {
    const [agent] = await db.select().from(agents).where(eq(agents.id, agentId));
    if (!agent) throw new Error("agent missing");
    return fn({ db, config: readConfig(env), env: env, origin }, agent);
  });
}

const sessionsOfAttempt = (attemptId: string) => withDb((db) => db.select().from(sessions).where(eq(sessions.campaignAttemptId, attemptId)));

describe("placeOutboundCall for a campaign attempt", () => {
  it("creates the attempt's session on the pinned version, tells the hook before Twilio is asked, and places the call", async () => {
    const sid = callSid();
    const twilio = fakeTwilio(() => twilioCall(sid, "queued"));
    const attemptId = newId("campaignAttempt");
    const seen: { sessionId: string; requestsBefore: number; rows: number }[] = [];
    const placed = await withDeps((deps, agent) =>
      placeOutboundCall(deps, agent, body(), {
        campaign: campaignOpts(attemptId),
        onSessionCreated: async (sessionId) => {
          seen.push({ sessionId, requestsBefore: twilio.requests.length, rows: (await sessionsOfAttempt(attemptId)).length });
        },
      }),
    );
    expect(placed).toMatchObject({ status: "dispatching", agentId, providerCallId: sid });
    expect(placed.eventsUrl).toContain(`/live/sessions/${placed.sessionId}?token=`);
    expect(seen).toEqual([{ sessionId: placed.sessionId, requestsBefore: 0, rows: 1 }]);
    expect(twilio.requests).toHaveLength(1);
    // The campaign's maxDurationS limits the call; callbacks go to the deps' origin.
    expect(twilio.requests[0]?.form.get("TimeLimit")).toBe("300");
    expect(twilio.requests[0]?.form.get("StatusCallback")).toBe(`${origin}/telephony/twilio/${number.connectionId}/status?sessionId=${placed.sessionId}`);

    const [row] = await sessionsOfAttempt(attemptId);
    expect(row).toMatchObject({ id: placed.sessionId, campaignId, campaignAttemptId: attemptId, agentVersion: 1, draftVersion: null, channel: "phone", direction: "outbound", providerCallId: sid });
    // The runtime runs version 1 (not the agent's current version 2) with the campaign's voicemail policy.
    const config = await runtimeCall("GET", `/sessions/${placed.sessionId}/config`);
    expect(config.status, config.text).toBe(200);
    expect(config.body).toMatchObject({ agentVersion: 1, agent: { systemPrompt: "Help there on the phone." } });
    expect(config.body["phone"]).toMatchObject({ voicemail: { action: "leave_message", message: "Campaign message for there." } });
  });

  it("refuses a second session for the same attempt before any provider request", async () => {
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    const attemptId = newId("campaignAttempt");
    const first = await withDeps((deps, agent) => placeOutboundCall(deps, agent, body(), { campaign: campaignOpts(attemptId) }));
    const hook = vi.fn(async () => undefined);
    const second = await withDeps((deps, agent) => placeOutboundCall(deps, agent, body(), { campaign: campaignOpts(attemptId), onSessionCreated: hook }).catch((err: unknown) => err));
    expect(second).toBeInstanceOf(ApiError);
    expect(attemptAlreadyHasSession(second)).toBe(true);
    expect(hook).not.toHaveBeenCalled();
    expect(twilio.requests).toHaveLength(1);
    expect((await sessionsOfAttempt(attemptId)).map((r) => r.id)).toEqual([first.sessionId]);
  });

  it("places no call and fails the session when the hook throws", async () => {
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    const attemptId = newId("campaignAttempt");
    const err = await withDeps((deps, agent) =>
      placeOutboundCall(deps, agent, body(), { campaign: campaignOpts(attemptId), onSessionCreated: () => Promise.reject(new Error("runner storage failed")) }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(Error);
    expect(twilio.requests).toHaveLength(0);
    const [row] = await sessionsOfAttempt(attemptId);
    expect(row).toMatchObject({ status: "failed", failureReason: "the call could not be placed" });
  });

  it("runs the agent's own voicemail policy when the campaign inherits it", async () => {
    fakeTwilio(() => twilioCall(callSid(), "queued"));
    const inheriting = newId("campaign");
    await withDb((db) => db.insert(campaigns).values({ id: inheriting, spaceId: world.spaceId, agentId, agentVersion: 1, name: "Inherit", status: "running", settings: CampaignSettings.parse({ callerNumberIds: [number.phoneNumberId] }) }));
    const placed = await withDeps((deps, agent) => placeOutboundCall(deps, agent, body(), { campaign: { ...campaignOpts(newId("campaignAttempt")), campaignId: inheriting } }));
    const config = await runtimeCall("GET", `/sessions/${placed.sessionId}/config`);
    expect(config.body["phone"]).toMatchObject({ voicemail: { action: "hang_up", message: "" } });
  });
});

describe("callRefusalKind", () => {
  it("retries limits, rate limiting and an unavailable provider, with the Retry-After in milliseconds", async () => {
    const attemptId = newId("campaignAttempt");
    fakeTwilio(() => twilioError(429, 20429, "Too Many Requests", { "retry-after": "7" }));
    const refused = await withDeps((deps, agent) => placeOutboundCall(deps, agent, body(), { campaign: campaignOpts(attemptId) }).catch((e: unknown) => e));
    expect(callRefusalKind(refused)).toEqual({ kind: "retry", retryAfterMs: 7000, reason: expect.stringContaining("Twilio") });
    expect(callRefusalKind(new ApiError("upstream_unavailable", "Twilio answered 503; try again", { headers: { "retry-after": "5" } }))).toMatchObject({ kind: "retry", retryAfterMs: 5000 });
    expect(callRefusalKind(new ApiError("rate_limited", "the space already has 10 of its 10 concurrent calls", { headers: { "retry-after": "30" } }))).toMatchObject({ kind: "retry", retryAfterMs: 30000 });
    expect(callRefusalKind(new ApiError("concurrency_limit", "the Pro plan allows 20 concurrent sessions", { headers: { "retry-after": "30" } }))).toMatchObject({ kind: "retry", retryAfterMs: 30000 });
    // A database or network failure says nothing about the contact; its message is not kept.
    expect(callRefusalKind(new TypeError("fetch failed +14155550100"))).toEqual({ kind: "retry", retryAfterMs: null, reason: "the call could not be placed (TypeError)" });
  });

  it("pauses the campaign when the plan's minutes are spent, with the plan's reason", () => {
    expect(callRefusalKind(new ApiError("minutes_exhausted", "the Free plan includes 60 voice minutes per period"))).toEqual({ kind: "pause", reason: "the Free plan includes 60 voice minutes per period" });
  });

  it("gives up on refusals that waiting does not change", async () => {
    fakeTwilio(() => twilioError(400, 21215, "Account not authorized to call +14155550100."));
    const refused = await withDeps((deps, agent) => placeOutboundCall(deps, agent, body(), { campaign: campaignOpts(newId("campaignAttempt")) }).catch((e: unknown) => e));
    const kind = callRefusalKind(refused);
    expect(kind).toMatchObject({ kind: "permanent", reason: expect.stringContaining("geographic permissions") });
    expect(JSON.stringify(kind)).not.toContain("+1");
    expect(callRefusalKind(new ApiError("caller_id_unverified", "Twilio refused the call", { errors: [{ field: "body.fromNumberId", message: "x" }] }))).toEqual({ kind: "permanent", reason: "Twilio refused the call (body.fromNumberId)" });
    expect(callRefusalKind(new ApiError("validation_failed", "the variables do not fit the agent's schema"))).toMatchObject({ kind: "permanent" });
    expect(callRefusalKind(new ApiError("upstream_rejected", "Twilio refused the call (Twilio error 21205)"))).toMatchObject({ kind: "permanent" });
  });
});
