// Campaign dialling against the bench's own stack and its Twilio simulator:
// - campaign.dial_loop_items_per_s: a campaign through a "dialer" of fixed latency
//   (every Calls.json answered after createCallLatencyMs), callees busy or giving up after a short
//   ring so calls end quickly, 100 calls at once and 20 dials/s allowed: items made final per second
//   from launch to the last one (60 contacts; the issue's "e.g. 200" does not fit the time budget at
//   today's rate). Same-run baseline: POST /v1/agents/{id}/calls one after the other
//   (the same outbound path, one call per request, same latency). The Worker process's peak memory
//   over the run is printed beside it.
// - campaign.double_dials over a run where the CampaignRunner is evicted and sent duplicate alarms
//   every 300 ms (helper dev hooks): provider calls per attempt and calls live at once per number,
//   from the simulator's own books against the API's attempts; and the items left neither final nor
//   waiting for a retry (lost).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { demoAgentId, demoPhoneNumberId } from "@speaknode/db";
import type { CampaignItem } from "@speaknode/contracts";
import type { TwilioSimulator } from "../../simulators/twilio/src/server.ts";
import { alwaysOpen, campaignClient, finalItemStatuses, overlappingDestinations, toCsv, type CampaignClient } from "../campaign-client.ts";
import { fmt } from "./stats.ts";
import { token } from "./api.ts";

// Sized for the ~90 s budget of this part of npm run bench: the runner dials about 1.5 items/s on
// the 2-core reference machine (each dial is a session row, a SessionRoom and a Calls.json).
const dialLoopItems = 60;
const chaosItems = 30;
const baselineCalls = 10;
const createCallLatencyMs = 150;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface CampaignBenchTarget {
  url: string;
  spaceId: string;
  sim: TwilioSimulator;
  /** The `wrangler dev` process: workerd runs as its descendant. */
  wranglerPid: number;
}

/** The workerd process under wrangler (the whole Worker: routes, SessionRooms and CampaignRunners). */
function workerdPid(rootPid: number): number | null {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while listed
    }
  }
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() ?? 0;
    for (const child of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${child}/comm`, "utf8").trim() === "workerd") return child;
      } catch {
        // gone
      }
      queue.push(child);
    }
  }
  return null;
}

const statusKb = (pid: number, field: "VmRSS" | "VmHWM") => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN);

/** Peak resident memory of a process over a stretch: VmHWM reset at the start (clear_refs 5) where allowed, and VmRSS sampled every 100 ms. */
function memoryWatch(pid: number | null): { stop(): { peakMb: number; startMb: number } } {
  if (pid === null) return { stop: () => ({ peakMb: Number.NaN, startMb: Number.NaN }) };
  let resetHwm = false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    resetHwm = true;
  } catch {
    // not allowed here: sampling alone
  }
  const startKb = statusKb(pid, "VmRSS");
  let peakKb = startKb;
  const timer = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, statusKb(pid, "VmRSS"));
    } catch {
      // ended
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      if (resetHwm) peakKb = Math.max(peakKb, statusKb(pid, "VmHWM"));
      return { peakMb: peakKb / 1024, startMb: startKb / 1024 };
    },
  };
}

/** Contacts of one run: numbers no earlier run used, half busy, half ringing out after 300 ms. */
function contacts(sim: TwilioSimulator, count: number, block: number): string[] {
  const phones = Array.from({ length: count }, (_, i) => `+1212555${String(block + i).padStart(4, "0")}`);
  phones.forEach((phone, i) => sim.setPhone(phone, i % 2 === 0 ? { answer: "busy" } : { answer: "no-answer", ringMs: 300 }));
  return phones;
}

async function launchCampaign(api: CampaignClient, spaceId: string, name: string, phones: string[]): Promise<string> {
  const campaign = await api.create(spaceId, {
    name,
    agentId: demoAgentId,
    callerNumberIds: [demoPhoneNumberId],
    windows: alwaysOpen,
    maxConcurrentCalls: 100,
    dialRatePerS: 20,
    // Every outcome final at once: the bench measures the loop, not the backoffs.
    retry: { noAnswer: { attempts: 0, backoffS: 60 }, busy: { attempts: 0, backoffS: 60 }, voicemail: { attempts: 0, backoffS: 60 }, failed: { attempts: 0, backoffS: 60 } },
    contactMapping: { phoneColumn: "phone", variables: {}, timeZoneColumn: null },
  });
  const report = await api.uploadContacts(campaign.id, toCsv(["phone"], phones.map((p) => [p])), false);
  if (report.created !== phones.length) throw new Error(`the upload created ${report.created} of ${phones.length} items: ${JSON.stringify(report.errors.slice(0, 3))}`);
  await api.launch(campaign.id);
  return campaign.id;
}

/** Polls until every item is final (or the deadline); resolves with the time it took. */
async function untilFinal(api: CampaignClient, campaignId: string, total: number, deadlineMs: number): Promise<{ ms: number; done: boolean; last: string }> {
  const started = performance.now();
  let last = "";
  while (performance.now() - started < deadlineMs) {
    const { summary, status } = await api.get(campaignId);
    last = `${status} ${JSON.stringify(summary.byStatus)}`;
    const final = [...finalItemStatuses].reduce((n, s) => n + (summary.byStatus[s as keyof typeof summary.byStatus] ?? 0), 0);
    if (final >= total) return { ms: performance.now() - started, done: true, last };
    await sleep(100);
  }
  return { ms: performance.now() - started, done: false, last };
}

export async function campaignDialLoopBench(target: CampaignBenchTarget): Promise<string[]> {
  const owner = await token(target.url);
  const api = campaignClient(target.url, () => owner);
  const space = await api.request("PATCH", `/v1/spaces/${target.spaceId}`, { maxConcurrentCalls: 1000 });
  if (!space.ok) throw new Error(`could not raise the space's call limit: ${space.status} ${await space.text()}`);
  const line = await api.request("PATCH", `/v1/phone-numbers/${demoPhoneNumberId}`, { maxConcurrentCalls: 1000 });
  if (!line.ok) throw new Error(`could not raise the demo number's call limit: ${line.status} ${await line.text()}`);
  target.sim.setConfig({ createCallLatencyMs });

  // Baseline: the API's own outbound calls, one after the other, through the same simulator.
  const baselinePhones = contacts(target.sim, baselineCalls, 3000);
  const baselineStarted = performance.now();
  for (const to of baselinePhones) {
    const res = await api.request("POST", `/v1/agents/${demoAgentId}/calls`, { to, fromNumberId: demoPhoneNumberId, variables: {} });
    if (res.status !== 201) throw new Error(`POST /v1/agents/{id}/calls answered ${res.status}: ${await res.text()}`);
  }
  const baselinePerS = baselinePhones.length / ((performance.now() - baselineStarted) / 1000);
  await sleep(1500);

  const pid = workerdPid(target.wranglerPid);
  const memory = memoryWatch(pid);
  const phones = contacts(target.sim, dialLoopItems, 1000);
  const campaignId = await launchCampaign(api, target.spaceId, "bench dial loop", phones);
  const run = await untilFinal(api, campaignId, dialLoopItems, 80_000);
  const { peakMb, startMb } = memory.stop();
  if (!run.done) {
    const stuck = (await api.items(campaignId)).filter((i) => !finalItemStatuses.has(i.status) && i.status !== "pending").slice(0, 4);
    const facts = await Promise.all(
      stuck.map(async (i) => {
        const session = i.lastSessionId ? ((await (await api.request("GET", `/v1/sessions/${i.lastSessionId}`)).json()) as { status?: string; failureReason?: string | null }) : null;
        const calls = target.sim.calls().filter((c) => c.to === i.phone).map((c) => `${c.status} after ${c.durationS ?? "-"} s`);
        return { item: i.status, attempts: i.attempts, session: session && `${session.status} ${session.failureReason ?? ""}`, calls };
      }),
    );
    throw new Error(`the dial-loop campaign left items not final after ${Math.round(run.ms / 1000)} s: ${run.last}; e.g. ${JSON.stringify(facts)}`);
  }
  return [
    `BENCH campaign.dial_loop_items_per_s=${fmt(dialLoopItems / (run.ms / 1000))} items/s`,
    `BENCH campaign.dial_loop.baseline_api_calls_per_s=${fmt(baselinePerS)} calls/s`,
    // The whole workerd process of wrangler dev (Worker, SessionRooms and the CampaignRunner DO together):
    // workerd runs every Durable Object of the local stack in one process, so the runner's own share is not separable here.
    `BENCH campaign.runner_peak_rss_mb=${fmt(peakMb, 1)} MB`,
    `(${dialLoopItems} contacts, busy or unanswered after 300 ms, Calls.json answered after ${createCallLatencyMs} ms, 100 calls at once and 20 dials/s allowed, launch → all final in ${fmt(run.ms / 1000, 1)} s; baseline: ${baselinePhones.length} sequential POST /v1/agents/{id}/calls; workerd RSS ${fmt(startMb, 1)} MB before the run${pid === null ? ", workerd process not found" : ""})`,
  ];
}

export async function campaignDoubleDialBench(target: CampaignBenchTarget): Promise<string[]> {
  const owner = await token(target.url);
  const api = campaignClient(target.url, () => owner);
  target.sim.setConfig({ createCallLatencyMs });
  const phones = contacts(target.sim, chaosItems, 2000);
  const campaignId = await launchCampaign(api, target.spaceId, "bench double dials", phones);
  // Evictions and duplicate alarms while it dials (the dev hooks of the CampaignRunner).
  let chaos = true;
  let forced = 0;
  let refused = "";
  const hammer = (async () => {
    for (let i = 0; chaos; i++) {
      const res = await api.request("POST", `/dev/campaigns/${campaignId}/runner/${i % 2 === 0 ? "evict" : "alarm"}`);
      if (res.ok) forced++;
      else refused ||= `${res.status} ${await res.text()}`;
      await res.body?.cancel();
      await sleep(300);
    }
  })();
  const run = await untilFinal(api, campaignId, chaosItems, 45_000);
  chaos = false;
  await hammer;
  // A dial caught by an eviction before any call existed waits for its backoff (scheduled): not lost.
  const items: CampaignItem[] = await api.items(campaignId);
  const now = Date.now();
  const waiting = items.filter((i) => i.status === "scheduled" && i.nextAttemptAt !== null && Date.parse(i.nextAttemptAt) > now).length;
  const lost = items.filter((i) => !finalItemStatuses.has(i.status)).length - waiting;
  const dials = target.sim.dials().filter((d) => phones.includes(d.to));
  const calls = target.sim.calls().filter((c) => phones.includes(c.to));
  let doubleDials = overlappingDestinations(dials, calls).length;
  let attempts = 0;
  for (const item of items) {
    // Each item's number is its own: calls the provider created to it beyond the attempts that may
    // have reached the provider (a session, and not refused before any call existed) are second calls.
    const { attemptHistory } = await api.item(campaignId, item.id);
    attempts += attemptHistory.length;
    const placed = attemptHistory.filter((a) => a.sessionId !== null && a.outcome !== "not_placed").length;
    const created = dials.find((d) => d.to === item.phone)?.created ?? 0;
    doubleDials += Math.max(0, created - placed);
  }
  if (forced === 0) throw new Error(`the CampaignRunner's dev hooks refused every eviction and alarm: ${refused}`);
  return [
    `BENCH campaign.double_dials=${doubleDials} count`,
    `BENCH campaign.lost_items=${lost} count`,
    `(${chaosItems} contacts, ${forced} forced evictions and duplicate alarms every 300 ms, ${attempts} attempts, ${calls.length} provider calls; ${run.done ? `all final in ${fmt(run.ms / 1000, 1)} s` : `${waiting} waiting for a retry after ${fmt(run.ms / 1000, 1)} s`})`,
  ];
}

// `node scripts/bench/campaign.ts`: these two alone, on a stack of their own (npm run bench runs them with the rest).
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { freePort, startLocalStack } = await import("../lib.ts");
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-campaign-"));
  const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true, twilioSimulatorPort: 0 });
  try {
    if (!stack.twilio || stack.worker.child.pid === undefined) throw new Error("the stack started without its Twilio simulator");
    // As in `npm run bench`: the plan's calls at once stay far above the campaign's 100.
    const { putSpaceOnBenchPlan } = await import("./billing.ts");
    await putSpaceOnBenchPlan(stack.url, stack.demoSpaceId);
    const target = { url: stack.url, spaceId: stack.demoSpaceId, sim: stack.twilio, wranglerPid: stack.worker.child.pid };
    for (const line of await campaignDialLoopBench(target)) console.log(line);
    for (const line of await campaignDoubleDialBench(target)) console.log(line);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
