// `npm run call -- --phone …`: the phone path of the call script, through the Twilio simulator that
// `npm run dev` runs (SPEAKNODE_TWILIO_SIM_URL, default http://127.0.0.1:8791). Inbound: the
// simulator rings the demo number like a caller's carrier would (signed voice webhook → TwiML →
// Media Streams to the runtime → status callbacks). Outbound (`--outbound +1555…`): the agent calls
// a simulated phone through the API (POST /v1/agents/{id}/calls → Twilio Calls.json), and the
// simulated callee answers with the phrases. Either way each phrase is spoken with flite (μ-law
// 8 kHz, real time) after the agent has finished talking.
import { demoAgentId, demoPhoneNumber, demoPhoneNumberId } from "@speaknode/db";

export interface PhoneCallArgs {
  base: string;
  simUrl: string;
  agentId: string;
  token: () => string;
  phrases: string[];
  outboundTo: string | null;
  fail: (message: string) => never;
}

interface SimCall {
  sid: string;
  status: string;
  events: { atMs: number; kind: string; purpose?: string; answer?: string }[];
  counters: { clearsReceived: number; dtmfSent: number; mediaReceived: number };
  statusHistory: { status: string; atMs: number }[];
  firstAgentAudioMs: number | null;
  endedBy: string | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const terminal = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);

/** The caller's script: wait for the greeting, then each phrase after the agent's reply, then hang up. */
function script(phrases: string[]): unknown[] {
  const steps: unknown[] = [{ waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }];
  for (const say of phrases) steps.push({ say }, { pauseMs: 400 }, { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } });
  steps.push({ hangup: true });
  return steps;
}

async function sim(args: PhoneCallArgs, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${args.simUrl}${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined }).catch(() =>
    args.fail(`The Twilio simulator does not answer at ${args.simUrl}: start the platform with \`npm run dev\` (or set SPEAKNODE_TWILIO_SIM_URL).`),
  );
}

/** Places the call; resolves with the simulator's call sid and the session it created. */
export async function phoneCall(args: PhoneCallArgs): Promise<{ sessionId: string; callSid: string; agentWav: Buffer }> {
  let callSid: string;
  let sessionId: string | null = null;
  if (args.outboundTo) {
    const to = args.outboundTo;
    const set = await sim(args, "PUT", `/sim/phones/${encodeURIComponent(to)}`, { answer: "human", script: script(args.phrases) });
    if (!set.ok) args.fail(`The simulator refused the phone ${to} (${set.status}): ${await set.text()}`);
    const res = await fetch(`${args.base}/v1/agents/${args.agentId}/calls`, {
      method: "POST",
      headers: { authorization: `Bearer ${args.token()}`, "content-type": "application/json" },
      body: JSON.stringify({ to, fromNumberId: demoPhoneNumberId, variables: { customer_name: "Ada" } }),
    }).catch(() => args.fail(`Nothing answers at ${args.base}: start the platform first with \`npm run dev\` (or set SPEAKNODE_URL).`));
    if (res.status !== 201) args.fail(`The platform refused the call (${res.status}): ${await res.text()}`);
    const placed = (await res.json()) as { sessionId: string; providerCallId: string };
    callSid = placed.providerCallId;
    sessionId = placed.sessionId;
    console.log(`session ${sessionId}: the agent calls ${to} from ${demoPhoneNumber} (call ${callSid}, simulated)`);
  } else {
    const from = "+15555550123";
    const res = await sim(args, "POST", "/sim/calls", { from, to: demoPhoneNumber, script: script(args.phrases) });
    if (res.status !== 201) args.fail(`The simulator refused the call (${res.status}): ${await res.text()}`);
    callSid = ((await res.json()) as { callSid: string }).callSid;
    console.log(`calling ${demoPhoneNumber} from ${from} (call ${callSid}, simulated)`);
  }
  const printed = new Set<string>();
  let call: SimCall | null = null;
  for (let i = 0; i < 900; i++) {
    const res = await sim(args, "GET", `/sim/calls/${callSid}`);
    if (res.ok) {
      call = (await res.json()) as SimCall;
      for (const s of call.statusHistory) {
        const key = `${s.status}@${s.atMs}`;
        if (!printed.has(key)) {
          printed.add(key);
          console.log(`call:  ${s.status} (+${(s.atMs / 1000).toFixed(1)} s)`);
        }
      }
      if (!sessionId) {
        const answer = call.events.find((e) => e.kind === "webhook" && e.purpose === "voice")?.answer ?? "";
        const m = /name="sessionId" value="(ses_[0-9a-z]+)"/.exec(answer);
        if (m?.[1]) {
          sessionId = m[1];
          console.log(`session ${sessionId}`);
        }
      }
      if (terminal.has(call.status)) break;
    }
    await sleep(200);
  }
  if (!call || !terminal.has(call.status)) args.fail(`The call ${callSid} did not end in time.`);
  if (!sessionId) args.fail(`The call ${callSid} ended ${call.status} without reaching an agent (see the simulator's events: GET ${args.simUrl}/sim/calls/${callSid}).`);
  console.log(`call:  ended ${call.status}${call.endedBy ? ` by ${call.endedBy}` : ""}; barge-ins (clear): ${call.counters.clearsReceived}; first agent audio +${((call.firstAgentAudioMs ?? 0) / 1000).toFixed(1)} s`);
  const wav = Buffer.from(await (await sim(args, "GET", `/sim/calls/${callSid}/agent.wav`)).arrayBuffer());
  return { sessionId, callSid, agentWav: wav };
}

export const defaultPhoneAgentId = demoAgentId;
