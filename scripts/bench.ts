// `npm run bench`: figures measured in one run against a local stack started here (its own
// in-memory embedded database and its own wrangler dev on a free port), each compared with a
// baseline measured in the same run. Prints `BENCH <name>=<value> <unit>` lines. The voice
// runtime's overhead and its false interruptions are measured in-process afterwards (voice-runtime/bench/); the
// widget's sizes and its click-to-first-audio latency in headless Chromium last (e2e/bench.ts); the
// dashboard's up-front JS and its agents list in headless Chromium with the API's (e2e/dashboard-bench.ts).
// Last, a real browser call on the offline providers: its voice-to-voice latency (e2e/voice-bench.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildPublicAssets, freePort, localSecretsKey, startLocalStack } from "./lib.ts";
import { requireSystemPackages } from "./system-packages.ts";
import { apiBench } from "./bench/api.ts";
import { dispatchBench, dispatchOnPostgresBench } from "./bench/sessions.ts";
import { telemetryBench } from "./bench/telemetry.ts";
import { phoneWebhookBench } from "./bench/phone-webhook.ts";
import { campaignUploadBench } from "./bench/campaign-upload.ts";
import { campaignDialLoopBench, campaignDoubleDialBench } from "./bench/campaign.ts";
import { billingUsageBench, putSpaceOnBenchPlan } from "./bench/billing.ts";
import { webhooksBench } from "./bench/webhooks.ts";
import { toolsImportBench } from "./bench/tools-import.ts";
import { agentTestsBench } from "./bench/agent-tests.ts";
import { bundleBench } from "./bench/bundle.ts";
import { token } from "./bench/api.ts";
import { demoPhoneNumber, demoPhoneNumberId, demoTelephonyConnectionId } from "@speaknode/db";
import { runtimeBench } from "../voice-runtime/bench/overhead.ts";
import { concurrencyBench } from "../voice-runtime/bench/concurrency.ts";
import { falseInterruptionBench } from "../voice-runtime/bench/false-interruptions.ts";
import { pocketsphinxLatencyBench } from "../voice-runtime/bench/stt.ts";
import { phoneBench } from "../voice-runtime/bench/phone.ts";
import { bridgeBench } from "../voice-runtime/bench/bridge.ts";
import { widgetLatencyBench, widgetSizes } from "../e2e/bench.ts";
import { webVoiceToVoiceBench } from "../e2e/voice-bench.ts";
import { dashboardAgentsListBench, dashboardSizes } from "../e2e/dashboard-bench.ts";

// The speech engines and Chromium first (installed as root, or a message naming the command); the
// Worker serves the widget's files, so the build comes next.
requireSystemPackages("bench");
buildPublicAssets({ quiet: true });
const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-"));
// With the Twilio simulator (the Worker's Twilio client points at it): the campaign benches dial through it.
const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true, twilioSimulatorPort: 0 });
try {
  for (const line of await apiBench(stack.url)) console.log(line);
  // Billing's enforcement stays on for every bench below (each dispatch takes the space's lock,
  // reads its plan and counts its live sessions), on a plan whose limits the benches' hundreds of
  // live sessions never reach.
  const benchPlan = await putSpaceOnBenchPlan(stack.url, stack.demoSpaceId);
  console.log(`(the demo space is on the plan ${benchPlan}: 1,000,000 calls at once, overage priced)`);
  for (const line of await dispatchBench(stack.url, stack.demoAgentId)) console.log(line);
  // Twilio's voice webhook: signature → number → session → TwiML, sequential. Each call leaves a
  // session dispatching on the demo number, so the number takes them all at once for the run.
  const owner = await token(stack.url);
  const raised = await fetch(`${stack.url}/v1/phone-numbers/${demoPhoneNumberId}`, { method: "PATCH", headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" }, body: JSON.stringify({ maxConcurrentCalls: 1000 }) });
  if (!raised.ok) throw new Error(`could not raise the demo number's call limit: ${raised.status} ${await raised.text()}`);
  // Campaigns (before the webhook bench, whose sessions stay dispatching and would count against the
  // space's call limit): the CampaignRunner's dial loop and its double-dial safety, through the simulator.
  if (!stack.twilio || stack.worker.child.pid === undefined) throw new Error("the bench stack started without its Twilio simulator");
  const campaignTarget = { url: stack.url, spaceId: stack.demoSpaceId, sim: stack.twilio, wranglerPid: stack.worker.child.pid };
  for (const line of await campaignDialLoopBench(campaignTarget)) console.log(line);
  for (const line of await campaignDoubleDialBench(campaignTarget)) console.log(line);
  for (const line of await phoneWebhookBench(stack.url, { authToken: stack.twilioAuthToken, connectionId: demoTelephonyConnectionId, to: demoPhoneNumber, from: "+15555550123" })) console.log(line);
  // Telemetry: OTLP exports → POST /v1/traces → queue → consumer → Postgres, and the consumer's insert alone.
  const telemetryTarget = { url: stack.url, tokenSecret: localSecretsKey(workDir, "runtime-token.key"), databaseUrl: stack.database.databaseUrl, localProxy: stack.database.localProxy };
  for (const line of await telemetryBench(telemetryTarget)) console.log(line);
  // Billing: a session's usage recorded in its end's transaction, against the status update alone.
  const billingTarget = { databaseUrl: stack.database.databaseUrl, localProxy: stack.database.localProxy, spaceId: stack.demoSpaceId, agentId: stack.demoAgentId, defaultPlanCode: "free" };
  for (const line of await billingUsageBench(billingTarget)) console.log(line);
  // Webhooks: a session.started event (the runtime's agent.ready) → queue → fan-out → attempt → a
  // loopback receiver verifying the signature, against a signed POST from here to the same receiver.
  for (const line of await webhooksBench({ url: stack.url, spaceId: stack.demoSpaceId, agentId: stack.demoAgentId, runtimeTokenSecret: localSecretsKey(workDir, "runtime-token.key") })) console.log(line);
  // Campaigns: a 10k-row contacts CSV uploaded and its items created, against a dry run of the same file.
  for (const line of await campaignUploadBench({ url: stack.url, databaseUrl: stack.database.databaseUrl, localProxy: stack.database.localProxy, spaceId: stack.demoSpaceId, agentId: stack.demoAgentId })) console.log(line);
  // The OpenAPI import: a 400-operation document's preview (index + first 50 drafts), against 5 operations.
  for (const line of await toolsImportBench({ url: stack.url, spaceId: stack.demoSpaceId })) console.log(line);
  // The dashboard: its up-front JS, and signed in, navigation → the agents table shows the demo agent (Chromium).
  for (const line of dashboardSizes()) console.log(line);
  for (const line of await dashboardAgentsListBench(stack.url, stack.demoSpaceId, stack.demoAgentId)) console.log(line);
} finally {
  await stack.stop();
  rmSync(workDir, { recursive: true, force: true });
}
// Dispatch again on a stack of its own over a real PostgreSQL server (Debian's, started here).
for (const line of await dispatchOnPostgresBench()) console.log(line);
// Agent tests and post-call analysis: a scripted case through the runtime's runner in-process, then
// 50 cases and analysed sessions through a stack of their own with the voice runtime, whose LLM
// endpoint is a fake answering in 200 ms.
for (const line of await agentTestsBench()) console.log(line);
// The voice runtime in-process: a caller over the local transport, providers of known latency.
for (const line of await runtimeBench()) console.log(line);
// Many calls in one runtime process (N = 10, 25, 50), against one call in the same run: where overhead p99 passes 20 ms.
for (const line of await concurrencyBench()) console.log(line);
// The offline STT: its final transcript after the end of speech, streaming against the batch path.
for (const line of await pocketsphinxLatencyBench({ rounds: 1 })) console.log(line);
// Turn-taking: backchannels and coughs over the agent's replies cut none short; real interruptions stop it.
for (const line of await falseInterruptionBench()) console.log(line);
// The phone paths' media: callers over Twilio Media Streams (μ-law 8 kHz) and through the VoxImplant
// bridge (PCM16 8 kHz) against the same caller over the web transport, in the same run and with the
// same fixed-latency providers.
for (const line of await phoneBench()) console.log(line);
// The VoxImplant media bridge alone: audio in → audio out (p50/p99), against a bare WebSocket echo.
for (const line of await bridgeBench()) console.log(line);
// The Worker as deployed: `wrangler deploy --dry-run` bundle, its gzip size against Workers' limits.
for (const line of await bundleBench()) console.log(line);
// The widget: what a page downloads, and click → first agent audio in a real browser.
for (const line of widgetSizes()) console.log(line);
for (const line of await widgetLatencyBench()) console.log(line);
// A real browser call with the real offline providers: the end of the caller's speech → the agent's first sound.
for (const line of await webVoiceToVoiceBench()) console.log(line);
process.exit(0);
