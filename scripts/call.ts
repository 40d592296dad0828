// `npm run -s call -- "<what to say>" […more turns]`: a call from the terminal to the demo agent (or
// AGENT_ID) of a running `npm run dev`. Each phrase is spoken with flite and streamed in real time
// over the local media transport; the agent's audio is saved as a WAV, and the session's turns,
// metrics and tool calls are printed from the API when the call ends.
// `--phone` goes through the whole phone path instead (the Twilio simulator rings the demo number:
// webhook → TwiML → Media Streams → agent → status callbacks); `--phone --outbound +1555…` has the
// agent call a simulated phone (scripts/call-phone.ts); `--phone --provider voximplant` carries the
// call through the VoxImplant simulator, the generated VoxEngine scenario and the media bridge.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoAgentId } from "@speaknode/db";
import { WavWriter } from "../voice-runtime/src/audio/wav.ts";
import { connectLocalMedia } from "../voice-runtime/src/transport/local/client.ts";
import { speak } from "../voice-runtime/test/speak.ts";
import { dataDir } from "./lib.ts";
import { requireSystemPackages } from "./system-packages.ts";
import { phoneCall } from "./call-phone.ts";

// flite speaks the caller's phrases: installed as root, or one message naming the command.
requireSystemPackages("call");

const base = process.env["SPEAKNODE_URL"] ?? "http://127.0.0.1:8787";
const agentId = process.env["AGENT_ID"] ?? demoAgentId;
const args = process.argv.slice(2);
const phone = args.includes("--phone");
const outboundAt = args.indexOf("--outbound");
const outboundTo = outboundAt >= 0 ? (args[outboundAt + 1] ?? "") : null;
const providerAt = args.indexOf("--provider");
const provider = providerAt >= 0 ? (args[providerAt + 1] ?? "") : "twilio";
const phrases = args.filter((a, i) => a !== "--phone" && a !== "--outbound" && a !== "--provider" && !(outboundAt >= 0 && i === outboundAt + 1) && !(providerAt >= 0 && i === providerAt + 1));
if (phrases.length === 0) phrases.push("please check my order number forty two", "thank you, goodbye");

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-call-"));

/** Ends the call script with one line on stderr and a non-zero exit (no stack trace). */
function fail(message: string): never {
  console.error(message);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(1);
}

if (outboundAt >= 0 && !phone) fail("--outbound places a phone call: use `npm run -s call -- --phone --outbound +15555550199 \"hello\"`.");
if (outboundTo !== null && !/^\+[1-9][0-9]{6,14}$/.test(outboundTo)) fail(`--outbound needs the number to call in E.164 form, such as +15555550199 (got "${outboundTo}").`);
if (providerAt >= 0 && !phone) fail("--provider chooses how a phone call is carried: use `npm run -s call -- --phone --provider voximplant \"hello\"`.");
if (provider !== "twilio" && provider !== "voximplant") fail(`--provider is twilio (the default) or voximplant (got "${provider}").`);
const mintToken = () => spawnSync(process.execPath, [join(import.meta.dirname, "token.ts"), "owner@speaknode.local"], { encoding: "utf8" }).stdout.trim();

let sessionId: string;
mkdirSync(join(dataDir, "calls"), { recursive: true });
if (phone) {
  const simUrl = provider === "voximplant" ? (process.env["SPEAKNODE_VOXIMPLANT_SIM_URL"] ?? "http://127.0.0.1:8793") : (process.env["SPEAKNODE_TWILIO_SIM_URL"] ?? "http://127.0.0.1:8791");
  const placed = await phoneCall({ provider, base, simUrl, agentId, token: mintToken, phrases, outboundTo, fail });
  sessionId = placed.sessionId;
  const file = join(dataDir, "calls", `${sessionId}.wav`);
  writeFileSync(file, placed.agentWav);
  console.log(`agent audio (as the caller heard it, 8 kHz): ${file} (${(Math.max(0, placed.agentWav.length - 44) / 16_000).toFixed(1)} s)`);
  rmSync(scratch, { recursive: true, force: true });
} else {
  const res = await fetch(`${base}/public/agents/${agentId}/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ variables: { customer_name: "Ada" } }) }).catch(
    () => fail(`Nothing answers at ${base}: start the platform first with \`npm run dev\` (or set SPEAKNODE_URL).`),
  );
  if (res.status !== 201) fail(`The platform refused the call (${res.status}): ${await res.text()}`);
  const session = (await res.json()) as { sessionId: string; media: { driver: string; url: string; token: string } };
  if (session.media.driver !== "local") fail(`npm run call talks over the local media transport; this agent's sessions use ${session.media.driver}.`);
  console.log(`session ${session.sessionId}`);
  sessionId = session.sessionId;

  const caller = connectLocalMedia({ url: session.media.url, token: session.media.token, sampleRateHz: 16_000 });
  await caller.ready.catch((err: unknown) => fail(`The voice runtime did not take the call at ${session.media.url}: ${err instanceof Error ? err.message : String(err)}`));
  /** Waits for the agent to answer, then until it has been quiet for 1.5 s (the reply played). */
  const listen = () => caller.untilAgentQuiet(1500, 30_000);
  await listen();
  for (const phrase of phrases) {
    if (caller.endReason) break;
    console.log(`you:   ${phrase}`);
    await caller.streamPcm(speak(phrase, scratch), { realtime: true });
    await caller.streamPcm(new Int16Array(8000), { realtime: true });
    await listen();
  }
  if (!caller.endReason) await caller.end("caller hung up");
  else await caller.closed;

  const file = join(dataDir, "calls", `${session.sessionId}.wav`);
  const wav = await WavWriter.create(file, 16_000);
  wav.write(caller.receivedPcm());
  await wav.close();
  console.log(`agent audio: ${file} (${(caller.receivedPcm().length / 16_000).toFixed(1)} s)`);
  rmSync(scratch, { recursive: true, force: true });
}

const token = mintToken();
for (let i = 0; i < 40; i++) {
  const detail = (await (await fetch(`${base}/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    status: string;
    endReason: string | null;
    turns: { role: string; text: string; metrics: Record<string, number | null> }[];
    toolCalls: { name: string; status: string; latencyMs: number; request: unknown; response: unknown }[];
    recordings: unknown[];
    failureReason: string | null;
    phone?: { direction: string; from: string | null; to: string | null; providerCallId: string | null; providerStatus: string | null; hangupCause: string | null } | null;
    callStatuses?: { status: string; at: string }[];
    phoneEvents?: { type: string; detail: Record<string, unknown> }[];
  };
  if (detail.status === "completed" || detail.status === "failed") {
    for (const t of detail.turns) {
      const m = Object.entries(t.metrics).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join(" ");
      console.log(`${t.role.padEnd(5)}: ${t.text}${m ? `   [${m}]` : ""}`);
    }
    for (const c of detail.toolCalls) console.log(`tool:  ${c.name} ${JSON.stringify(c.request)} → ${c.status} ${JSON.stringify(c.response)} (${c.latencyMs} ms)`);
    for (const e of detail.phoneEvents ?? []) console.log(`phone: ${e.type} ${JSON.stringify(e.detail)}`);
    if (detail.phone) {
      const statuses = (detail.callStatuses ?? []).map((c) => c.status).join(" → ");
      console.log(`phone: ${detail.phone.direction} ${detail.phone.from} → ${detail.phone.to}, call ${detail.phone.providerCallId}: ${statuses || "no status callbacks yet"}${detail.phone.hangupCause ? ` (${detail.phone.hangupCause})` : ""}`);
    }
    console.log(`session ${detail.status} (${detail.endReason ?? detail.failureReason ?? "no reason"}), ${detail.recordings.length} recording tracks`);
    break;
  }
  await sleep(500);
}
process.exit(0);
