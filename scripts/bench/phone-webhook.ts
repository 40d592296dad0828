// Twilio's voice webhook on a running stack, measured as Twilio sees it: from the request's start
// to the whole TwiML body, for correctly signed calls posted one after another (a fresh CallSid
// each, so every one verifies the signature, resolves the number, creates a session and signs a
// media token), with GET /healthz measured in the same run, interleaved, as the baseline.
//
// Every call creates a live session on the number: the stack must allow that many concurrent
// calls on it, or the caller passes `endSession` to end each session after it is measured.
import { createHmac, randomBytes } from "node:crypto";
import { fmt, summary } from "./stats.ts";

export interface PhoneWebhookBenchOptions {
  /** The connection's Auth Token (signs the webhooks as Twilio would). */
  authToken: string;
  connectionId: string;
  /** The number called (bound to an agent on this connection) and the caller, E.164. */
  to: string;
  from: string;
  /** Called after each measured webhook with the session it created (outside the timing). */
  endSession?: (sessionId: string) => Promise<void>;
  /** Measured webhooks (default 60). */
  samples?: number;
}

/** Twilio's X-Twilio-Signature: base64 HMAC-SHA1 over the URL and the sorted parameters. */
export function signTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

const warmup = 3;

async function postVoice(webhookUrl: string, opts: PhoneWebhookBenchOptions): Promise<{ ms: number; sessionId: string }> {
  const callSid = `CA${randomBytes(16).toString("hex")}`;
  const params = { AccountSid: `AC${"0".repeat(32)}`, ApiVersion: "2010-04-01", CallSid: callSid, CallStatus: "ringing", Called: opts.to, Caller: opts.from, Direction: "inbound", From: opts.from, To: opts.to };
  const headers = { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signTwilio(opts.authToken, webhookUrl, params) };
  const t0 = performance.now();
  const res = await fetch(webhookUrl, { method: "POST", headers, body: new URLSearchParams(params).toString() });
  const twiml = await res.text();
  const ms = performance.now() - t0;
  const sessionId = /<Parameter name="sessionId" value="([^"]+)"\/>/.exec(twiml)?.[1];
  if (res.status !== 200 || !sessionId) throw new Error(`the voice webhook did not connect a stream: ${res.status} ${twiml.slice(0, 300)}`);
  return { ms, sessionId };
}

async function timeHealthz(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

/** `url`: the Worker's base URL (http://127.0.0.1:8787). Prints nothing; returns BENCH lines. */
export async function phoneWebhookBench(url: string, opts: PhoneWebhookBenchOptions): Promise<string[]> {
  const base = url.replace(/\/$/, "");
  const webhookUrl = `${base}/telephony/twilio/${opts.connectionId}/voice`;
  const n = opts.samples ?? 60;
  const webhook: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < warmup + n; i++) {
    const call = await postVoice(webhookUrl, opts);
    const healthMs = await timeHealthz(`${base}/healthz`);
    if (i >= warmup) {
      webhook.push(call.ms);
      health.push(healthMs);
    }
    await opts.endSession?.(call.sessionId);
  }
  const w = summary(webhook);
  const h = summary(health);
  return [
    `BENCH phone.webhook_to_twiml.p50_ms=${fmt(w.p50)} ms`,
    `BENCH phone.webhook_to_twiml.p99_ms=${fmt(w.p99)} ms`,
    `BENCH phone.webhook_vs_healthz.p50_ratio=${fmt(w.p50 / h.p50)} x`,
    `(${w.n} signed voice webhooks in sequence, each a new call: signature check, webhook log, number → agent, session row + SessionRoom, media token, TwiML; /healthz interleaved as the baseline)`,
  ];
}
