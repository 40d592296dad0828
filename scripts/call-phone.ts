// `npm run call -- --phone …`: the phone path of the call script, through the Twilio simulator that
// `npm run dev` runs (SPEAKNODE_TWILIO_SIM_URL, default http://127.0.0.1:8791). Inbound: the
// simulator rings the demo number like a caller's carrier would (signed voice webhook → TwiML →
// Media Streams to the runtime → status callbacks). Outbound (`--outbound +1555…`): the agent calls
// a simulated phone through the API (POST /v1/agents/{id}/calls → Twilio Calls.json), and the
// simulated callee answers with the phrases. Either way each phrase is spoken with flite (μ-law
// 8 kHz, real time) after the agent has finished talking.
// `--provider voximplant` does the same through the VoxImplant simulator (SPEAKNODE_VOXIMPLANT_SIM_URL,
// default http://127.0.0.1:8793): it runs the platform's generated VoxEngine scenario, which asks the
// Worker for a session and connects the call's audio to the media bridge (PCM 8 kHz over WebSocket).
import { demoAgentId, demoPhoneNumber, demoPhoneNumberId, demoVoximplantNumber, demoVoximplantNumberId } from "@speaknode/db";

export type PhoneProvider = "twilio" | "voximplant";

export interface PhoneCallArgs {
  provider: PhoneProvider;
  base: string;
  simUrl: string;
  agentId: string;
  token: () => string;
  phrases: string[];
  outboundTo: string | null;
  fail: (message: string) => never;
}

/** What both simulators report of a call (GET /sim/calls/{id}), as far as this script reads it. */
interface SimCall {
  status: string;
  events: ({ atMs: number; kind: string; purpose?: string; answer?: string } & Record<string, unknown>)[];
  counters: { clearsReceived?: number; clears?: number };
  statusHistory: { status: string; atMs: number }[];
  firstAgentAudioMs: number | null;
  endedBy: string | null;
}

/** How each simulator names things: its numbers, its terminal call statuses, where its session id shows. */
const simulators = {
  twilio: { number: demoPhoneNumber, numberId: demoPhoneNumberId, name: "Twilio", env: "SPEAKNODE_TWILIO_SIM_URL", terminal: new Set(["completed", "busy", "no-answer", "failed", "canceled"]) },
  voximplant: { number: demoVoximplantNumber, numberId: demoVoximplantNumberId, name: "VoxImplant", env: "SPEAKNODE_VOXIMPLANT_SIM_URL", terminal: new Set(["disconnected", "failed"]) },
} as const;

/** The session the platform gave the call: in Twilio's TwiML answer, or in the scenario's /calls answer. */
function sessionIn(provider: PhoneProvider, call: SimCall): string | null {
  if (provider === "twilio") {
    const answer = call.events.find((e) => e.kind === "webhook" && e.purpose === "voice")?.answer ?? "";
    return /name="sessionId" value="(ses_[0-9a-z]+)"/.exec(answer)?.[1] ?? null;
  }
  for (const e of call.events) {
    const m = /"sessionId\\?":\\?"(ses_[0-9a-z]+)/.exec(JSON.stringify(e));
    if (m?.[1]) return m[1];
  }
  return null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The caller's script: wait for the greeting, then each phrase after the agent's reply, then hang up. */
function script(phrases: string[]): unknown[] {
  const steps: unknown[] = [{ waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } }];
  for (const say of phrases) steps.push({ say }, { pauseMs: 400 }, { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } });
  steps.push({ hangup: true });
  return steps;
}

async function simRequest(args: PhoneCallArgs, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${args.simUrl}${path}`, { method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined }).catch(() =>
    args.fail(`The ${simulators[args.provider].name} simulator does not answer at ${args.simUrl}: start the platform with \`npm run dev\` (or set ${simulators[args.provider].env}).`),
  );
}

async function voximplantCallOf(args: PhoneCallArgs, to: string, scenarioSession: number): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await simRequest(args, "GET", `/sim/calls?to=${encodeURIComponent(to)}`);
    if (res.ok) {
      const { calls } = (await res.json()) as { calls: { id: string; sessionId: number }[] };
      const found = calls.find((c) => c.sessionId === scenarioSession);
      if (found) return found.id;
    }
    await sleep(200);
  }
  return args.fail(`The VoxImplant simulator never dialled ${to} for scenario session ${scenarioSession}.`);
}

/** Places the call; resolves with the simulator's call sid and the session it created. */
export async function phoneCall(args: PhoneCallArgs): Promise<{ sessionId: string; callSid: string; agentWav: Buffer }> {
  const sim = simulators[args.provider];
  const terminal: ReadonlySet<string> = sim.terminal;
  let callSid: string;
  let sessionId: string | null = null;
  if (args.outboundTo) {
    const to = args.outboundTo;
    const set = await simRequest(args, "PUT", `/sim/phones/${encodeURIComponent(to)}`, { answer: "human", script: script(args.phrases) });
    if (!set.ok) args.fail(`The simulator refused the phone ${to} (${set.status}): ${await set.text()}`);
    const res = await fetch(`${args.base}/v1/agents/${args.agentId}/calls`, {
      method: "POST",
      headers: { authorization: `Bearer ${args.token()}`, "content-type": "application/json" },
      body: JSON.stringify({ to, fromNumberId: sim.numberId, variables: { customer_name: "Ada" } }),
    }).catch(() => args.fail(`Nothing answers at ${args.base}: start the platform first with \`npm run dev\` (or set SPEAKNODE_URL).`));
    if (res.status !== 201) args.fail(`The platform refused the call (${res.status}): ${await res.text()}`);
    const placed = (await res.json()) as { sessionId: string; providerCallId: string };
    callSid = placed.providerCallId;
    sessionId = placed.sessionId;
    // VoxImplant's call id is the scenario session's (call_session_history_id); the simulator files
    // the dialled call under its own id: find it by its session.
    if (args.provider === "voximplant") callSid = await voximplantCallOf(args, to, Number(placed.providerCallId));
    console.log(`session ${sessionId}: the agent calls ${to} from ${sim.number} over ${sim.name} (call ${callSid}, simulated)`);
  } else {
    const from = "+15555550123";
    const res = await simRequest(args, "POST", "/sim/calls", { from, to: sim.number, script: script(args.phrases) });
    if (res.status !== 201) args.fail(`The simulator refused the call (${res.status}): ${await res.text()}`);
    const placed = (await res.json()) as { callSid?: string; callId?: string };
    callSid = placed.callSid ?? placed.callId ?? "";
    console.log(`calling ${sim.number} from ${from} over ${sim.name} (call ${callSid}, simulated)`);
  }
  const printed = new Set<string>();
  let call: SimCall | null = null;
  for (let i = 0; i < 900; i++) {
    const res = await simRequest(args, "GET", `/sim/calls/${callSid}`);
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
        sessionId = sessionIn(args.provider, call);
        if (sessionId) console.log(`session ${sessionId}`);
      }
      if (terminal.has(call.status)) break;
    }
    await sleep(200);
  }
  if (!call || !terminal.has(call.status)) args.fail(`The call ${callSid} did not end in time.`);
  if (!sessionId) args.fail(`The call ${callSid} ended ${call.status} without reaching an agent (see the simulator's events: GET ${args.simUrl}/sim/calls/${callSid}).`);
  console.log(`call:  ended ${call.status}${call.endedBy ? ` by ${call.endedBy}` : ""}; barge-ins (clear): ${call.counters.clearsReceived ?? call.counters.clears ?? 0}; first agent audio +${((call.firstAgentAudioMs ?? 0) / 1000).toFixed(1)} s`);
  const wav = Buffer.from(await (await simRequest(args, "GET", `/sim/calls/${callSid}/agent.wav`)).arrayBuffer());
  return { sessionId, callSid, agentWav: wav };
}

export const defaultPhoneAgentId = demoAgentId;
