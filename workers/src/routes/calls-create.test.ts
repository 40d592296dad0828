// POST /v1/agents/{id}/calls: the session is created through the shared dispatch path, Twilio gets
// the documented Calls.json form (inline TwiML to the media stream, status callbacks, asynchronous
// AMD), the call's sid is stored; the number's rules refuse before anything is created, and every
// Twilio refusal is a problem the caller can act on while the session fails with the reason.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { sessions } from "@speaknode/db";
import { verifySessionToken } from "@speaknode/tokens";
import { readConfig } from "../config.ts";
import { call, expectProblem, makeWorld, origin, testEnv, withDb, type World } from "../../test/helpers.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall, twilioError, type TwilioAnswer } from "../../test/outbound-fixtures.ts";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const sessionsOn = (phoneNumberId: string) => withDb((db) => db.select().from(sessions).where(eq(sessions.phoneNumberId, phoneNumberId)));
const place = (phoneNumberId: string, extra: Record<string, unknown> = {}) =>
  call("POST", `/v1/agents/${world.agentId}/calls`, { token: world.owner.token, json: { to: "+1 415-555-0100", fromNumberId: phoneNumberId, variables: { order_id: 42 }, ...extra } });

describe("POST /v1/agents/{agentId}/calls", () => {
  it("creates an outbound phone session and asks Twilio for the call with inline TwiML, callbacks and async AMD", async () => {
    const number = await phoneFixture(world.spaceId);
    const sid = callSid();
    const twilio = fakeTwilio(() => twilioCall(sid, "queued"));
    const res = await call("POST", `/v1/agents/${world.agentId}/calls`, {
      token: world.apiKey,
      json: { to: "+1 415-555-0100", fromNumberId: number.phoneNumberId, variables: { order_id: 42 }, maxDurationS: 600 },
    });
    expect(res.status, res.text).toBe(201);
    const sessionId = String(res.body["sessionId"]);
    expect(res.body).toMatchObject({ status: "dispatching", agentId: world.agentId, fromNumberId: number.phoneNumberId, to: "+14155550100", providerCallId: sid });
    expect(String(res.body["eventsUrl"])).toContain(`/live/sessions/${sessionId}?token=`);

    expect(twilio.requests).toHaveLength(1);
    const [req] = twilio.requests;
    if (!req) throw new Error("no request");
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/Accounts/${number.accountSid}/Calls.json`);
    expect(req.authorization).toBe(`Basic ${btoa(`${number.accountSid}:${number.authToken}`)}`);
    const form = req.form;
    const webhooks = `${origin}/telephony/twilio/${number.connectionId}`;
    expect(form.get("To")).toBe("+14155550100");
    expect(form.get("From")).toBe(number.e164);
    expect(form.getAll("StatusCallbackEvent")).toEqual(["initiated", "ringing", "answered", "completed"]);
    expect(Object.fromEntries([...form].filter(([k]) => k !== "Twiml" && k !== "StatusCallbackEvent"))).toEqual({
      To: "+14155550100",
      From: number.e164,
      StatusCallback: `${webhooks}/status?sessionId=${String(res.body["sessionId"])}`,
      StatusCallbackMethod: "POST",
      Timeout: "30",
      TimeLimit: "600",
      MachineDetection: "DetectMessageEnd",
      AsyncAmd: "true",
      AsyncAmdStatusCallback: `${webhooks}/amd?sessionId=${String(res.body["sessionId"])}`,
      AsyncAmdStatusCallbackMethod: "POST",
    });

    // The TwiML connects the answered call to the runtime's Media Streams endpoint, with the
    // session id and a media token for this session (no CallSid yet to bind it to).
    const twimlDoc = form.get("Twiml") ?? "";
    const streamUrl = readConfig(env).telephony.mediaStreamUrl;
    expect(twimlDoc).toContain(`<Connect><Stream url="${streamUrl}"><Parameter name="sessionId" value="${sessionId}"/>`);
    const token = /<Parameter name="token" value="([^"]+)"\/>/.exec(twimlDoc)?.[1] ?? "";
    const claims = await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, token, "media");
    expect(claims).toMatchObject({ sessionId, agentId: world.agentId, role: "phone", callId: undefined });

    const [row] = await sessionsOn(number.phoneNumberId);
    expect(row).toMatchObject({ id: sessionId, channel: "phone", direction: "outbound", status: "dispatching", fromNumber: number.e164, toNumber: "+14155550100", caller: "+14155550100", providerCallId: sid, providerStatus: "queued", mediaDriver: "twilio" });
  });

  it("limits the call to the platform's session limit when no maxDurationS is given", async () => {
    const number = await phoneFixture(world.spaceId);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    expect((await place(number.phoneNumberId)).status).toBe(201);
    const limitS = Math.floor(readConfig(env).sessions.maxDurationMs / 1000);
    expect(twilio.requests[0]?.form.get("TimeLimit")).toBe(String(limitS));
  });

  it("answers 404 for a number of another space, and creates nothing", async () => {
    const theirs = await phoneFixture(world.otherSpaceId);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    expectProblem(await place(theirs.phoneNumberId), 404, "not_found");
    expect(twilio.requests).toHaveLength(0);
    expect(await sessionsOn(theirs.phoneNumberId)).toHaveLength(0);
  });

  it("refuses a destination outside the number's allowed countries with 403 naming the rule, before any session or call", async () => {
    const number = await phoneFixture(world.spaceId, { allowedCountries: ["US", "CA"] });
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    const res = await place(number.phoneNumberId, { to: "+44 20 7183 8750" });
    expectProblem(res, 403, "destination_not_allowed");
    expect(res.body["detail"]).toContain("allowedCountries");
    expect(res.body["detail"]).toContain("US, CA");
    expect(res.body["detail"]).toContain("GB");
    const none = await phoneFixture(world.spaceId, { allowedCountries: [] });
    expectProblem(await place(none.phoneNumberId), 403, "destination_not_allowed");
    expect(twilio.requests).toHaveLength(0);
    expect([...(await sessionsOn(number.phoneNumberId)), ...(await sessionsOn(none.phoneNumberId))]).toHaveLength(0);
  });

  it("answers 429 with Retry-After once the number has its maximum of live calls", async () => {
    const number = await phoneFixture(world.spaceId, { maxConcurrentCalls: 1 });
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    expect((await place(number.phoneNumberId)).status).toBe(201);
    const busy = await place(number.phoneNumberId);
    expectProblem(busy, 429, "rate_limited");
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(busy.body["detail"]).toContain("maxConcurrentCalls");
    expect(twilio.requests).toHaveLength(1);
    expect(await sessionsOn(number.phoneNumberId)).toHaveLength(1);
  });

  it("places one call, not two, when requests race for the number's last free slot", async () => {
    const number = await phoneFixture(world.spaceId, { maxConcurrentCalls: 1 });
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    const answers = await Promise.all([place(number.phoneNumberId), place(number.phoneNumberId), place(number.phoneNumberId)]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 429, 429]);
    expect(twilio.requests).toHaveLength(1);
    const live = (await sessionsOn(number.phoneNumberId)).filter((r) => r.status !== "failed");
    expect(live.map((r) => r.id)).toEqual([answers.find((a) => a.status === 201)?.body["sessionId"]]);
  });

  it("refuses variables that do not fit the agent's schema without calling Twilio", async () => {
    const number = await phoneFixture(world.spaceId);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    expectProblem(await place(number.phoneNumberId, { variables: {} }), 400, "validation_failed");
    expect(twilio.requests).toHaveLength(0);
  });

  it("refuses a destination that is not a phone number, or one that cannot exist, as a field error on body.to", async () => {
    const number = await phoneFixture(world.spaceId);
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    for (const to of ["call me maybe", "+1 415 555 01"]) {
      const res = await place(number.phoneNumberId, { to });
      expectProblem(res, 400, "validation_failed");
      expect(res.body.errors, to).toEqual([expect.objectContaining({ field: "body.to" })]);
    }
    expect(twilio.requests).toHaveLength(0);
    expect(await sessionsOn(number.phoneNumberId)).toHaveLength(0);
  });
});

interface Refusal {
  name: string;
  answer: TwilioAnswer | "unreachable";
  status: number;
  code: string;
  field?: string;
  detail?: string;
  retryAfter?: string;
  reason: string;
}

const refusals: Refusal[] = [
  { name: "a caller id the account may not use (21210)", answer: twilioError(400, 21210, "The source phone number provided, +14155551234, is not yet verified for your account."), status: 400, code: "caller_id_unverified", field: "body.fromNumberId", reason: "Twilio refused the call: number not verified (Twilio error 21210)" },
  { name: "a destination a trial account has not verified (21219)", answer: twilioError(400, 21219, "The number +14155550100 is unverified."), status: 400, code: "caller_id_unverified", field: "body.to", reason: "Twilio refused the call: number not verified (Twilio error 21219)" },
  { name: "geographic permissions (21215)", answer: twilioError(400, 21215, "Account not authorized to call +14155550100."), status: 403, code: "destination_not_allowed", detail: "geographic permissions", reason: "Twilio refused the destination (Twilio error 21215)" },
  { name: "no international authorization (13227)", answer: twilioError(400, 13227, "No International Permission"), status: 403, code: "destination_not_allowed", reason: "Twilio refused the destination (Twilio error 13227)" },
  { name: "an invalid To (21211)", answer: twilioError(400, 21211, "Invalid 'To' Phone Number: +14155550100"), status: 400, code: "validation_failed", field: "body.to", reason: "Twilio refused the destination number as invalid (Twilio error 21211)" },
  { name: "rate limiting (429), passing its Retry-After on", answer: twilioError(429, 20429, "Too Many Requests", { "retry-after": "7" }), status: 429, code: "rate_limited", retryAfter: "7", reason: "Twilio rate-limited the request" },
  { name: "a failing Twilio (503)", answer: twilioError(503, 20500, "Service unavailable"), status: 503, code: "upstream_unavailable", retryAfter: "5", reason: "Twilio unavailable (HTTP 503)" },
  { name: "an unreachable Twilio", answer: "unreachable", status: 503, code: "upstream_unavailable", retryAfter: "5", reason: "Twilio unavailable (unreachable)" },
  { name: "refused credentials (401)", answer: twilioError(401, 20003, "Authenticate"), status: 502, code: "upstream_rejected", detail: "credentials", reason: "Twilio refused the connection's credentials" },
  { name: "any other refusal", answer: twilioError(400, 21205, "Url is not a valid URL"), status: 502, code: "upstream_rejected", detail: "21205", reason: "Twilio refused the call (HTTP 400, error 21205)" },
];

describe("POST /v1/agents/{agentId}/calls when Twilio refuses", () => {
  for (const r of refusals) {
    it(`answers ${r.status} ${r.code} for ${r.name}, and the session fails with the reason`, async () => {
      const number = await phoneFixture(world.spaceId);
      const twilio = fakeTwilio(() => r.answer);
      const res = await place(number.phoneNumberId);
      expectProblem(res, r.status, r.code);
      expect(twilio.requests).toHaveLength(1);
      if (r.field) expect(res.body.errors).toEqual([expect.objectContaining({ field: r.field })]);
      if (r.detail) expect(res.body["detail"]).toContain(r.detail);
      if (r.retryAfter) expect(res.headers.get("retry-after")).toBe(r.retryAfter);
      const rows = await sessionsOn(number.phoneNumberId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ status: "failed", failureReason: r.reason, providerCallId: null, direction: "outbound" });
      // Twilio's message quotes the numbers; the stored reason never does.
      expect(rows[0]?.failureReason).not.toContain("+1");
    });
  }
});
