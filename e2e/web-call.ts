// A finished web call as `npm run call` places one: a session of the public endpoint, the agent's
// greeting, one spoken question (flite), the agent's answer, then the caller hangs up and the
// session is awaited until it has ended. The billing tests need a session that really ran.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { connectLocalMedia } from "../voice-runtime/src/transport/local/client.ts";
import { speak } from "../voice-runtime/test/speak.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface WebCallOptions {
  /** The Worker's URL. */
  url: string;
  agentId: string;
  /** Where the spoken question's WAV is written. */
  scratch: string;
  /** GET /v1/sessions/{id} as a member of the agent's space: the session's status. */
  statusOf: (sessionId: string) => Promise<string>;
  utterance?: string;
}

/** What the caller of a finished web call heard. */
export interface HeardWebCall {
  sessionId: string;
  /** The agent's audio (16 kHz) before the caller spoke: its greeting. */
  greeting: Int16Array;
  /** All the agent's audio of the call, the greeting first. */
  received: Int16Array;
  /** Why the call had ended by the end of the greeting (null: it was still up). */
  endedInGreeting: string | null;
}

/** Places the call and returns the session id once it has completed (a failed session throws). */
export async function finishedWebCall(o: WebCallOptions): Promise<string> {
  return (await heardWebCall(o)).sessionId;
}

/** finishedWebCall, with the agent's audio the caller received. */
export async function heardWebCall(o: WebCallOptions): Promise<HeardWebCall> {
  const res = await fetch(`${o.url}/public/agents/${o.agentId}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ variables: { customer_name: "Ada" } }) });
  if (res.status !== 201) throw new Error(`the session was not created: ${res.status} ${await res.text()}`);
  const session = (await res.json()) as { sessionId: string; media: { url: string; token: string } };
  const caller = connectLocalMedia({ url: session.media.url, token: session.media.token, sampleRateHz: 16_000 });
  await caller.ready;
  // Until the agent has spoken and then been quiet for 1.2 s (or the call ended).
  const listen = () => caller.untilAgentQuiet(1200, 20_000);
  await listen();
  const greeting = caller.receivedPcm();
  const endedInGreeting = caller.endReason;
  const speechDir = join(o.scratch, "speech");
  mkdirSync(speechDir, { recursive: true });
  await caller.streamPcm(speak(o.utterance ?? "what are your opening hours", speechDir), { realtime: true });
  await caller.streamPcm(new Int16Array(8000), { realtime: true });
  await listen();
  const received = caller.receivedPcm();
  if (!caller.endReason) await caller.end("caller hung up");
  for (let i = 0; i < 60; i++) {
    const status = await o.statusOf(session.sessionId);
    if (status === "completed") return { sessionId: session.sessionId, greeting, received, endedInGreeting };
    if (status === "failed") throw new Error(`session ${session.sessionId} failed`);
    await sleep(500);
  }
  throw new Error(`session ${session.sessionId} did not end`);
}
