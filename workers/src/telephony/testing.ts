// Test helpers for the telephony webhooks inside workerd: a space with a published agent, a Twilio
// connection and a number built directly in the database, signed Twilio requests against the app
// (with a recording queue in place of the real binding), and the consumer fed by hand.
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { newId } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import { call, makeWorld, origin, testEnv, withDb, type CallResult, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { createApp } from "../app.ts";
import { sealTwilioAuth } from "./connections.ts";
import { handleTelephonyBatch, type TelephonyConsumerDeps } from "./consumer.ts";
import type { TelephonyMessage } from "./protocol.ts";
import { twilioSignature } from "./twilio/signature.ts";
import type { WorkerEnv } from "../env.ts";
import { fakeEnv } from "../../test/fake-env.ts";

const app = createApp();
const hex = (bytes: number) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");

export const newCallSid = () => `CA${hex(16)}`;
/** A possible US number of the 555 test range, different each time. */
export const newE164 = () => `+1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, "0")}`;

export interface PhoneWorld {
  world: World;
  agentId: string;
  connectionId: string;
  accountSid: string;
  authToken: string;
  numberId: string;
  e164: string;
}

export interface NumberOptions {
  agentId?: string | null;
  inboundEnabled?: boolean;
  maxConcurrentCalls?: number;
}

/** A published agent that needs no variables (a phone call carries none). */
export async function publishedPhoneAgent(world: World, overrides: Record<string, unknown> = {}): Promise<string> {
  const body = agentBody({ systemPrompt: "Help {{customer_name}} on the phone.", variables: { type: "object", properties: { customer_name: { type: "string", default: "there" } }, required: [] }, ...overrides });
  const created = await call("POST", `/v1/spaces/${world.spaceId}/agents`, { token: world.owner.token, json: body });
  if (created.status !== 201) throw new Error(`agent not created: ${created.status} ${created.text}`);
  const agentId = String(created.body["id"]);
  const published = await call("POST", `/v1/agents/${agentId}/publish`, { token: world.owner.token });
  if (published.status !== 200 && published.status !== 201) throw new Error(`agent not published: ${published.status} ${published.text}`);
  return agentId;
}

export async function addNumber(pw: Pick<PhoneWorld, "world" | "connectionId">, opts: NumberOptions & { agentId: string | null }): Promise<{ numberId: string; e164: string }> {
  const numberId = newId("phoneNumber");
  const e164 = newE164();
  await withDb((db) =>
    db.insert(phoneNumbers).values({
      id: numberId,
      spaceId: pw.world.spaceId,
      connectionId: pw.connectionId,
      e164,
      providerNumberId: `PN${hex(16)}`,
      agentId: opts.agentId,
      inboundEnabled: opts.inboundEnabled ?? true,
      maxConcurrentCalls: opts.maxConcurrentCalls ?? 5,
    }),
  );
  return { numberId, e164 };
}

/** A world whose space has a Twilio connection and one number bound to a published agent. */
export async function phoneWorld(opts: NumberOptions & { world?: World } = {}): Promise<PhoneWorld> {
  const world = opts.world ?? (await makeWorld());
  const agentId = await publishedPhoneAgent(world);
  const connectionId = newId("telephonyConnection");
  const accountSid = `AC${hex(16)}`;
  const authToken = hex(16);
  const sealed = await sealTwilioAuth(testEnv.SECRETS_KEY, connectionId, accountSid, { type: "auth_token", authToken });
  await withDb((db) => db.insert(telephonyConnections).values({ id: connectionId, spaceId: world.spaceId, provider: "twilio", name: `Twilio ${connectionId}`, accountId: accountSid, ...sealed }));
  const number = await addNumber({ world, connectionId }, { ...opts, agentId: opts.agentId === undefined ? agentId : opts.agentId });
  return { world, agentId, connectionId, accountSid, authToken, ...number };
}

export interface RecordingTelephonyQueue {
  queue: Queue<TelephonyMessage>;
  sent: TelephonyMessage[];
}

export function recordingTelephonyQueue(): RecordingTelephonyQueue {
  const rec: RecordingTelephonyQueue = { queue: undefined as unknown as Queue<TelephonyMessage>, sent: [] };
  rec.queue = {
    send: async (body: TelephonyMessage) => {
      rec.sent.push(structuredClone(body));
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<TelephonyMessage>>) => {
      for (const m of messages) rec.sent.push(structuredClone(m.body));
    },
  } as unknown as Queue<TelephonyMessage>;
  return rec;
}

export interface PostOptions {
  /** The signature to send instead of the right one (null: none). */
  signature?: string | null;
  /** The token to sign with instead of the connection's. */
  signWith?: string;
  queue?: RecordingTelephonyQueue;
  headers?: Record<string, string>;
  body?: string;
  /** A query string for the webhook URL (`sessionId=…`, as outbound calls' callbacks carry). */
  query?: string;
  /** The Worker env to answer under (default: the test env). */
  env?: WorkerEnv;
}

/** POST a Twilio webhook to the app, signed like Twilio signs it, with a recording queue. */
export async function postTwilio(pw: Pick<PhoneWorld, "connectionId" | "authToken">, kind: "voice" | "status" | "amd", params: Record<string, string>, opts: PostOptions = {}): Promise<CallResult & { queue: RecordingTelephonyQueue }> {
  const url = `${origin}/telephony/twilio/${pw.connectionId}/${kind}${opts.query ? `?${opts.query}` : ""}`;
  const signature = opts.signature === undefined ? await twilioSignature(opts.signWith ?? pw.authToken, url, params) : opts.signature;
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...opts.headers };
  if (signature !== null) headers["x-twilio-signature"] = signature;
  const queue = opts.queue ?? recordingTelephonyQueue();
  const res = await app.request(url, { method: "POST", headers, body: opts.body ?? new URLSearchParams(params).toString() }, { ...(opts.env ?? env), TELEPHONY_QUEUE: queue.queue });
  const text = await res.text();
  let body: CallResult["body"] = {};
  try {
    body = JSON.parse(text) as CallResult["body"];
  } catch {
    // TwiML or empty
  }
  return { status: res.status, headers: res.headers, body, text, queue };
}

export function voiceParams(pw: Pick<PhoneWorld, "accountSid" | "e164">, callSid: string, from = newE164()): Record<string, string> {
  return { AccountSid: pw.accountSid, ApiVersion: "2010-04-01", CallSid: callSid, CallStatus: "ringing", Called: pw.e164, Caller: from, Direction: "inbound", From: from, To: pw.e164 };
}

let seq = 0;
/** Runs the consumer on these messages as the queue would deliver them. */
export async function consumeTelephony(queue: string, bodies: unknown[], deps: Partial<TelephonyConsumerDeps> = {}, envOverrides: Record<string, unknown> = {}): Promise<QueueResult> {
  const batch = createMessageBatch(queue, bodies.map((body) => ({ id: `tel-${Date.now()}-${++seq}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await handleTelephonyBatch(batch, fakeEnv({ ...env, ...envOverrides }), ctx, deps);
  return getQueueResult(batch, ctx);
}
