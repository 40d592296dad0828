// call.voicemail: written with the answering-machine verdict that says a machine (or a fax) answered,
// once per call whatever Twilio repeats or adds (machine_start, then machine_end_beep), announced
// after the commit; a human's verdict writes none.
import { describe, expect, it } from "vitest";
import { webhooksQueueBinding } from "@speaknode/db";
import { eventsKeyed, parsedData } from "../webhooks/events/testing.ts";
import { telephonyQueueName } from "./protocol.ts";
import { consumeTelephony, newCallSid, phoneWorld, postTwilio, voiceParams, type PhoneWorld } from "./testing.ts";

async function answeredCall(pw: PhoneWorld): Promise<{ sessionId: string; callSid: string }> {
  const callSid = newCallSid();
  const res = await postTwilio(pw, "voice", voiceParams(pw, callSid));
  const sessionId = /name="sessionId" value="([^"]+)"/.exec(res.text)?.[1];
  if (!sessionId) throw new Error(`no session: ${res.text}`);
  return { sessionId, callSid };
}

async function amdCallback(pw: PhoneWorld, params: Record<string, string>): Promise<unknown> {
  const res = await postTwilio(pw, "amd", { AccountSid: pw.accountSid, ApiVersion: "2010-04-01", ...params });
  expect(res.status).toBe(204);
  return res.queue.sent[0];
}

/** The runtime holds the call (the verdict is taken), and what is announced on the webhooks queue. */
function world() {
  const announced: string[] = [];
  const queue = {
    send: async () => undefined,
    sendBatch: async (messages: Iterable<{ body: { eventId?: string } }>) => {
      for (const m of messages) if (m.body.eventId) announced.push(m.body.eventId);
    },
  };
  const fetchFn = (async () => new Response(null, { status: 204 })) as typeof fetch;
  return { announced, deps: { fetch: fetchFn }, env: { [webhooksQueueBinding]: queue } };
}

describe("answering-machine verdicts as webhook events", () => {
  it("write call.voicemail once when a machine answered, whatever verdicts follow, and announce it", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    const w = world();
    const start = await amdCallback(pw, { CallSid: callSid, AnsweredBy: "machine_start", Timestamp: "Fri, 04 Dec 2026 23:40:12 +0000" });
    await consumeTelephony(telephonyQueueName, [start], w.deps, w.env);
    await consumeTelephony(telephonyQueueName, [await amdCallback(pw, { CallSid: callSid, AnsweredBy: "machine_start" })], w.deps, w.env);
    await consumeTelephony(telephonyQueueName, [await amdCallback(pw, { CallSid: callSid, AnsweredBy: "machine_end_beep" })], w.deps, w.env);

    const [event, ...more] = await eventsKeyed(`call.voicemail:${sessionId}`);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ spaceId: pw.world.spaceId, type: "call.voicemail" });
    expect(parsedData(event!)).toEqual({ sessionId, agentId: pw.agentId, detection: "machine_start", detectedAt: "2026-12-04T23:40:12.000Z", campaignId: null, campaignItemId: null });
    expect(w.announced).toEqual([event!.id]);
  });

  it("write nothing when a human answered", async () => {
    const pw = await phoneWorld();
    const { sessionId, callSid } = await answeredCall(pw);
    const w = world();
    await consumeTelephony(telephonyQueueName, [await amdCallback(pw, { CallSid: callSid, AnsweredBy: "human" })], w.deps, w.env);
    expect(await eventsKeyed(`call.voicemail:${sessionId}`)).toEqual([]);
    expect(w.announced).toEqual([]);
  });
});
