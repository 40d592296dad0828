// An outbound campaign end to end against a whole local stack (embedded Postgres, the Worker in
// wrangler dev with its CampaignRunner, the voice runtime with offline speech) and the Twilio
// simulator in this process: six contacts uploaded as CSV (dry run, then confirmed), launched, and
// dialled through the same outbound path as the API. People answer and talk with the agent (its words
// are heard on their line), a busy phone and an unanswered one are called again after the policy's
// backoff and then given up, an answering machine ends as voicemail; the summary, the items, their
// attempts and the CSV export agree, and the simulator saw no number called twice at once and never
// more calls at once than the campaign allows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { CampaignDetail, CampaignItem, SessionDetail as SessionDetailSchema } from "@speaknode/contracts";
import { demoAgentId, demoPhoneNumberId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import { alwaysOpen, campaignClient, finalItemStatuses, overlappingDestinations, toCsv, type CampaignClient } from "../scripts/campaign-client.ts";
import type { TwilioSimulator } from "../simulators/twilio/src/server.ts";
import type { CallReport, PhoneBehaviour } from "../simulators/twilio/src/model.ts";
import { heardInAgentWav } from "./line-asr.ts";

type SessionDetail = z.output<typeof SessionDetailSchema>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-campaign-"));
const maxConcurrentCalls = 3;
const backoffS = 60;
let stack: LocalStack;
let sim: TwilioSimulator;
let api: CampaignClient;
let ownerToken: string;

const listen = { waitForAgent: { quietMs: 1500, timeoutMs: 30_000 } };
const contacts: { name: string; phone: string; kind: "talker" | "human" | "busy" | "no-answer" | "machine"; phoneDoes: PhoneBehaviour }[] = [
  // Asks about an order: the agent's answer ("…out for delivery") must be heard on the line.
  { name: "Ada", phone: "+12125550201", kind: "talker", phoneDoes: { answer: "human", script: [listen, { say: "please check my order number forty two" }, { waitForAgent: { quietMs: 2500, timeoutMs: 40_000 } }, { hangup: true }] } },
  { name: "Grace", phone: "+12125550202", kind: "human", phoneDoes: { answer: "human", script: [listen, { say: "thank you, goodbye" }, { pauseMs: 500 }, { hangup: true }] } },
  { name: "Alan", phone: "+12125550203", kind: "human", phoneDoes: { answer: "human", script: [listen, { say: "thank you, goodbye" }, { pauseMs: 500 }, { hangup: true }] } },
  { name: "Edsger", phone: "+12125550204", kind: "busy", phoneDoes: { answer: "busy" } },
  { name: "Barbara", phone: "+12125550205", kind: "no-answer", phoneDoes: { answer: "no-answer", ringMs: 2000 } },
  { name: "Donald", phone: "+12125550206", kind: "machine", phoneDoes: { answer: "machine", machineGreetingMs: 2500 } },
];
const byKind = (kind: string) => contacts.filter((c) => c.kind === kind);

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort(), twilioSimulatorPort: 0 });
  if (!stack.twilio) throw new Error("the stack started without its Twilio simulator");
  sim = stack.twilio;
  ownerToken = await token(stack.url);
  api = campaignClient(stack.url, () => ownerToken);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function session(sessionId: string): Promise<SessionDetail> {
  const res = await api.request("GET", `/v1/sessions/${sessionId}`);
  if (!res.ok) throw new Error(`GET /v1/sessions/${sessionId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionDetail;
}

/** The call the simulator placed for a session (the session's providerCallId). */
async function callOf(sessionId: string): Promise<CallReport> {
  const sid = (await session(sessionId)).phone?.providerCallId;
  const call = sid ? sim.call(sid) : null;
  if (!call) throw new Error(`no simulated call for session ${sessionId}`);
  await sim.statusCallbacksSent(call.sid);
  return call;
}

/** The most calls to these numbers live at the same moment, from the simulator's call list. */
function peakLive(calls: CallReport[]): number {
  const edges = calls.flatMap((c) => [
    { at: Date.parse(c.createdAt), d: 1 },
    { at: c.endedAt ? Date.parse(c.endedAt) : Number.POSITIVE_INFINITY, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let live = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (live += e.d));
  return peak;
}

describe("an outbound campaign of six simulated contacts", () => {
  let campaignId: string;
  let detail: CampaignDetail;
  let items: CampaignItem[];
  const item = (phone: string): CampaignItem => {
    const found = items.find((i) => i.phone === phone);
    if (!found) throw new Error(`no item for ${phone}`);
    return found;
  };

  it("is created, takes its contacts only once confirmed, runs until every contact is final, and completes", async () => {
    for (const c of contacts) sim.setPhone(c.phone, c.phoneDoes);
    const campaign = await api.create(stack.demoSpaceId, {
      name: "e2e campaign",
      agentId: demoAgentId,
      callerNumberIds: [demoPhoneNumberId],
      windows: alwaysOpen,
      maxConcurrentCalls,
      dialRatePerS: 2,
      retry: { noAnswer: { attempts: 1, backoffS }, busy: { attempts: 1, backoffS }, voicemail: { attempts: 0, backoffS }, failed: { attempts: 0, backoffS } },
      voicemail: { action: "hang_up", message: "" },
      contactMapping: { phoneColumn: "phone", variables: { customer_name: "name" }, timeZoneColumn: null },
    });
    campaignId = campaign.id;
    expect(campaign.status).toBe("draft");
    const csv = toCsv(["phone", "name"], contacts.map((c) => [c.phone, c.name]));

    const dry = await api.uploadContacts(campaignId, csv, true);
    expect(dry).toMatchObject({ dryRun: true, totalRows: 6, validRows: 6, invalidRows: 0, duplicateRows: 0, created: 0 });
    expect(dry.preview[0]).toMatchObject({ row: 1, phone: "+12125550201", variables: { customer_name: "Ada" } });
    expect(dry.preview[0]?.greeting).toContain("Ada");
    expect(await api.items(campaignId)).toEqual([]);
    const confirmed = await api.uploadContacts(campaignId, csv, false);
    expect(confirmed).toMatchObject({ dryRun: false, validRows: 6, created: 6 });

    const launched = await api.launch(campaignId);
    expect(launched.status).toBe("running");
    const deadline = Date.now() + 200_000;
    do {
      await sleep(1000);
      detail = await api.get(campaignId);
    } while (detail.status === "running" && Date.now() < deadline);
    items = await api.items(campaignId);
    expect(detail.status, JSON.stringify({ detail, items })).toBe("completed");
    expect(items.filter((i) => !finalItemStatuses.has(i.status))).toEqual([]);
  }, 260_000);

  it("counts exactly: three people reached, busy and unanswered given up after their retry, one voicemail", () => {
    expect(detail.summary).toMatchObject({
      total: 6,
      byStatus: { pending: 0, scheduled: 0, in_progress: 0, completed: 3, failed: 3, skipped: 0, cancelled: 0 },
      reached: 3,
      completed: 3,
      voicemail: 1,
      noAnswer: 1,
      busy: 1,
      failed: 0,
      // One call each for the people and the machine; two each (first call + one retry) for busy and no answer.
      attempts: 8,
    });
    for (const c of [...byKind("talker"), ...byKind("human")]) expect(item(c.phone)).toMatchObject({ status: "completed", attempts: 1, lastOutcome: "completed" });
    expect(item(byKind("busy")[0]?.phone ?? "")).toMatchObject({ status: "failed", attempts: 2, lastOutcome: "busy" });
    expect(item(byKind("no-answer")[0]?.phone ?? "")).toMatchObject({ status: "failed", attempts: 2, lastOutcome: "no_answer" });
    expect(item(byKind("machine")[0]?.phone ?? "")).toMatchObject({ status: "failed", attempts: 1, lastOutcome: "voicemail" });
  });

  it("calls busy and unanswered numbers again only after the policy's backoff, each attempt with its own session", async () => {
    for (const c of [...byKind("busy"), ...byKind("no-answer")]) {
      const { attemptHistory } = await api.item(campaignId, item(c.phone).id);
      expect(attemptHistory.map((a) => [a.attemptNumber, a.state, a.outcome])).toEqual([
        [1, "ended", c.kind === "busy" ? "busy" : "no_answer"],
        [2, "ended", c.kind === "busy" ? "busy" : "no_answer"],
      ]);
      const [first, second] = attemptHistory;
      expect(first?.sessionId).toBeTruthy();
      expect(second?.sessionId).toBeTruthy();
      expect(second?.sessionId).not.toBe(first?.sessionId);
      const waitedMs = Date.parse(second?.dialedAt ?? "") - Date.parse(first?.endedAt ?? "");
      expect(waitedMs).toBeGreaterThanOrEqual((backoffS - 1) * 1000);
    }
  });

  it("had the agent talk with the people: each greeted by name, and the order's status heard on the talker's line", async () => {
    for (const c of [...byKind("talker"), ...byKind("human")]) {
      const sessionId = item(c.phone).lastSessionId;
      if (!sessionId) throw new Error(`no session for ${c.name}`);
      const s = await session(sessionId);
      expect(s.status, JSON.stringify(s)).toBe("completed");
      expect(s.phone).toMatchObject({ direction: "outbound", to: c.phone });
      expect(s.turns[0]?.text, `${c.name}'s greeting`).toContain(c.name);
      const call = await callOf(sessionId);
      expect(call).toMatchObject({ direction: "outbound-api", to: c.phone, status: "completed", answeredBy: "human" });
      // The agent's greeting played on the line (at least a second of speech).
      expect(call.agentAudio.reduce((ms, [a, b]) => ms + b - a, 0), `ms of agent speech on ${c.name}'s line`).toBeGreaterThan(1000);
      if (c.kind === "talker") {
        // The order number itself is heard exactly in e2e/phone.test.ts, one call at a time. Here three
        // calls share two cores with their simulated phones' speech, and pocketsphinx has once heard
        // "forty two" as "… two": what this test owns is that the campaign's call reached the tool.
        expect(s.toolCalls.find((t) => t.name === "check_order")?.request, JSON.stringify(s.turns)).toMatchObject({ orderId: expect.stringMatching(/^\d{1,12}$/) });
        const wav = sim.agentWav(call.sid);
        if (!wav) throw new Error("no agent audio");
        // The answer ("Order …: status out for delivery…") on the line: either of its two words.
        expect(heardInAgentWav({ call, wav, word: ["delivery", "status"], scratch }), `the answer on the talker's line; the session's turns: ${JSON.stringify(s.turns.map((t) => [t.role, t.text]))}`).toBe(true);
      }
    }
  });

  it("hung up on the answering machine (the campaign's voicemail policy): Twilio's verdict machine, nothing said to it after its beep", async () => {
    const sessionId = item(byKind("machine")[0]?.phone ?? "").lastSessionId ?? "";
    const s = await session(sessionId);
    const call = await callOf(sessionId);
    expect(call.answeredBy).toMatch(/^machine_/);
    expect(s.callStatuses.map((x) => x.status)).toContainEqual(expect.stringMatching(/^amd:machine_/));
    // The session may end before the agent even joined (the verdict comes fast): either way no message was left.
    expect(["completed", "failed"]).toContain(s.status);
    const beep = call.events.find((e) => e.kind === "machine.beep")?.atMs ?? Number.POSITIVE_INFINITY;
    const afterBeepMs = call.agentAudio.reduce((ms, [a, b]) => ms + Math.max(0, b - Math.max(a, beep)), 0);
    expect(afterBeepMs, JSON.stringify({ session: { status: s.status, endReason: s.endReason, failureReason: s.failureReason }, agentAudio: call.agentAudio, beep })).toBeLessThan(2000);
  });

  it("exports every item as CSV with its status, attempts, outcome and session", async () => {
    const csv = await api.itemsCsv(campaignId);
    const rows = parse(csv, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
    expect(rows).toHaveLength(6);
    for (const c of contacts) {
      const it = item(c.phone);
      const row = rows.filter((r) => r["phone"] === c.phone);
      expect(row).toHaveLength(1);
      expect(row[0]).toMatchObject({ status: it.status, attempts: String(it.attempts), last_outcome: it.lastOutcome ?? "", last_session_id: it.lastSessionId ?? "", customer_name: c.name });
    }
  });

  it("never called a number twice at once nor more numbers at once than allowed, and placed exactly the attempts the API shows", async () => {
    const numbers = contacts.map((c) => c.phone);
    const calls = sim.calls().filter((c) => numbers.includes(c.to));
    const dials = sim.dials().filter((d) => numbers.includes(d.to));
    expect(overlappingDestinations(dials, calls)).toEqual([]);
    expect(peakLive(calls)).toBeLessThanOrEqual(maxConcurrentCalls);
    for (const c of contacts) {
      const d = dials.find((x) => x.to === c.phone);
      expect(d, c.phone).toMatchObject({ created: item(c.phone).attempts, maxLive: 1 });
    }
    expect(calls).toHaveLength(detail.summary.attempts);
  });
});
