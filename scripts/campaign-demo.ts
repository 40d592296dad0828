// `npm run campaign:demo [-- --no-follow]`: a demo outbound campaign of 20 simulated contacts on a
// running `npm run dev`, to watch on the dashboard's live page. It tells the Twilio simulator what
// each contact's phone does (most are people who say a sentence, wait for the agent and hang up;
// some are busy, some never answer, some are answering machines), creates a campaign on the demo
// agent and number with the shortest retry backoffs allowed and windows open now, uploads the
// contacts as CSV (a dry run first, then confirmed), launches it, prints the live page's URL and
// follows its progress until every contact is final.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { demoAgentId, demoPhoneNumberId, demoSpaceId } from "@speaknode/db";
import type { CampaignDetail } from "@speaknode/contracts";
import type { PhoneBehaviour } from "../simulators/twilio/src/model.ts";
import { alwaysOpen, ApiRefused, campaignClient, finalItemStatuses, simControl, toCsv } from "./campaign-client.ts";
import { requireSystemPackages } from "./system-packages.ts";

requireSystemPackages("campaign:demo");

const base = process.env["SPEAKNODE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 8787}`;
const simUrl = process.env["SPEAKNODE_TWILIO_SIM_URL"] ?? "http://127.0.0.1:8791";
const follow = !process.argv.includes("--no-follow");

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const reachable = async (url: string) => fetch(url).then((r) => r.status < 500, () => false);
if (!(await reachable(`${base}/healthz`)) || !(await reachable(`${simUrl}/sim/config`))) {
  fail(`No Speaknode stack answers at ${base} with its Twilio simulator at ${simUrl}: start it first with \`npm run dev\` (or set SPEAKNODE_URL / SPEAKNODE_TWILIO_SIM_URL).`);
}

// The contacts: 555-01xx numbers are reserved for fiction and valid in the +1 plan, so the upload
// accepts them; they reach only the simulator's phones.
const names = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia", "Dennis", "Hedy", "Linus", "Sophie", "Tim", "Anita", "Guido", "Karen", "Niklaus"];
type Kind = "human" | "busy" | "no-answer" | "machine";
// 12 people, 3 busy, 3 not answering, 2 answering machines, mixed.
const plan = "hhhbhnhhmhhbnhhhbnhm";
const kindOf: Record<string, Kind> = { h: "human", b: "busy", n: "no-answer", m: "machine" };
const contacts = names.map((name, i) => ({ name, phone: `+1212555${String(100 + i).padStart(4, "0")}`, kind: kindOf[plan[i] ?? "h"] ?? "human" }));

function behaviour(kind: Kind, name: string): PhoneBehaviour {
  if (kind === "busy") return { answer: "busy" };
  if (kind === "no-answer") return { answer: "no-answer", ringMs: 4000 };
  if (kind === "machine") return { answer: "machine", machineGreetingMs: 3000 };
  // A person: listens to the greeting, says one sentence, hears the reply, hangs up.
  return {
    answer: "human",
    ringMs: 1500,
    script: [
      { waitForAgent: { quietMs: 1200, timeoutMs: 20_000 } },
      { say: `Hi, this is ${name}. Thanks for calling, I am fine.` },
      { waitForAgent: { quietMs: 1200, timeoutMs: 15_000 } },
      { hangup: true },
    ],
  };
}

const sim = simControl(simUrl);
for (const c of contacts) await sim.setPhone(c.phone, behaviour(c.kind, c.name));
const count = (k: Kind) => contacts.filter((c) => c.kind === k).length;
console.log(`simulated phones: ${count("human")} people, ${count("busy")} busy, ${count("no-answer")} not answering, ${count("machine")} answering machines`);

const token = () => {
  const out = spawnSync(process.execPath, [join(import.meta.dirname, "token.ts"), "owner@speaknode.local"], { encoding: "utf8", env: { ...process.env, SPEAKNODE_URL: base } });
  if (out.status !== 0) fail(`Could not get a token from the development issuer: ${out.stderr.trim()}`);
  return out.stdout.trim();
};
const api = campaignClient(base, token);

try {
  const campaign = await api.create(demoSpaceId, {
    name: `Demo campaign ${new Date().toISOString().slice(0, 16).replace("T", " ")}`,
    agentId: demoAgentId,
    callerNumberIds: [demoPhoneNumberId],
    windows: alwaysOpen,
    defaultTimeZone: "UTC",
    maxConcurrentCalls: 4,
    dialRatePerS: 1,
    // The shortest backoff allowed (60 s), one retry for busy and no answer, none for machines.
    retry: { noAnswer: { attempts: 1, backoffS: 60 }, busy: { attempts: 1, backoffS: 60 }, voicemail: { attempts: 0, backoffS: 60 }, failed: { attempts: 0, backoffS: 60 } },
    voicemail: { action: "hang_up", message: "" },
    contactMapping: { phoneColumn: "phone", variables: { customer_name: "name" }, timeZoneColumn: null },
  });
  console.log(`campaign ${campaign.id} created (draft)`);
  const csv = toCsv(["phone", "name"], contacts.map((c) => [c.phone, c.name]));
  const preview = await api.uploadContacts(campaign.id, csv, true);
  console.log(`dry run: ${preview.validRows} valid, ${preview.invalidRows} invalid, ${preview.duplicateRows} duplicate of ${preview.totalRows} rows`);
  const first = preview.preview[0];
  if (first) console.log(`  row ${first.row}: ${first.phone} hears "${first.greeting ?? ""}"`);
  for (const e of preview.errors.slice(0, 5)) console.log(`  row ${e.row}: ${e.reason}`);
  const created = await api.uploadContacts(campaign.id, csv, false);
  console.log(`confirmed: ${created.created} contacts added`);
  await api.launch(campaign.id);
  console.log(`launched. Watch it live: ${base}/app/spaces/${demoSpaceId}/campaigns/${campaign.id}`);
  console.log(`progress:  curl -s -H "authorization: Bearer $(npm run -s token)" ${base}/v1/campaigns/${campaign.id}`);
  if (!follow) process.exit(0);

  let last = "";
  let detail: CampaignDetail;
  const started = Date.now();
  for (;;) {
    detail = await api.get(campaign.id);
    const s = detail.summary;
    const line = `${detail.status.padEnd(9)} ${Object.entries(s.byStatus).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(" · ")}   (attempts ${s.attempts})`;
    if (line !== last) console.log(`+${String(Math.round((Date.now() - started) / 1000)).padStart(3)} s  ${line}`);
    last = line;
    if (detail.status === "completed" || detail.status === "cancelled") break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const s = detail.summary;
  console.log(`done: reached ${s.reached}, completed ${s.completed}, voicemail ${s.voicemail}, no answer ${s.noAnswer}, busy ${s.busy}, failed ${s.failed}; ${s.attempts} calls, ${s.minutesUsed.toFixed(1)} minutes${s.averageDurationS === null ? "" : `, ${s.averageDurationS.toFixed(0)} s on average`}`);
  const items = await api.items(campaign.id);
  for (const item of items) {
    const who = contacts.find((c) => c.phone === item.phone);
    console.log(`  ${item.phone}  ${(who?.kind ?? "").padEnd(9)} ${item.status.padEnd(10)} ${item.lastOutcome ?? ""} after ${item.attempts} call${item.attempts === 1 ? "" : "s"}`);
  }
  const open = items.filter((i) => !finalItemStatuses.has(i.status));
  if (open.length > 0) fail(`${open.length} contacts are not final although the campaign ended.`);
  console.log(`export:    curl -s -H "authorization: Bearer $(npm run -s token)" ${base}/v1/campaigns/${campaign.id}/items.csv`);
} catch (err) {
  if (err instanceof ApiRefused) fail(`The platform refused the demo: ${err.message}`);
  throw err;
}
