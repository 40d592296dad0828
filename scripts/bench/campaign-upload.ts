// A campaign's contacts upload against the local stack: POST /v1/campaigns/{id}/contacts?dryRun=false
// with a 10k-row CSV, timed from the request to the answer (upload, streamed parse, phone and
// variable checks, duplicates, and the 10k items created in one transaction in PGlite). The
// same-run baseline is the dry run of the same file: the same work without the writes.
// Each real upload goes to a fresh draft campaign of the demo agent (written directly in the
// database, as the create route is not what is measured); the medians of a few rounds are printed.
//
// Standalone: `node scripts/bench/campaign-upload.ts` starts its own stack (in-memory database).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inArray } from "drizzle-orm";
import { CampaignSettings, newId } from "@speaknode/contracts";
import { campaigns, createDatabase, demoPhoneNumberId } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { token } from "./api.ts";
import { fmt, summary } from "./stats.ts";

const rows = 10_000;
const rounds = 3;

export interface CampaignUploadBenchTarget {
  url: string;
  databaseUrl: string;
  localProxy: string;
  spaceId: string;
  agentId: string;
}

/** 10k distinct US numbers with a name each (the demo agent's one variable), columns guessed. */
function contactsCsv(): string {
  const lines = Array.from({ length: rows }, (_, i) => `+1415${2_000_000 + i},Customer ${i},${i % 2 === 0 ? "America/New_York" : ""}`);
  return `phone,customer_name,timezone\n${lines.join("\n")}\n`;
}

async function upload(base: string, auth: string, campaignId: string, csv: string, dryRun: boolean): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/campaigns/${campaignId}/contacts?dryRun=${String(dryRun)}`, { method: "POST", headers: { authorization: auth, "content-type": "text/csv" }, body: csv });
  const report = (await res.json()) as { validRows?: number; created?: number };
  const ms = performance.now() - t0;
  const expected = dryRun ? { status: 200, created: 0 } : { status: 201, created: rows };
  if (res.status !== expected.status || report.validRows !== rows || report.created !== expected.created) {
    throw new Error(`upload (dryRun=${String(dryRun)}) answered ${res.status}: ${JSON.stringify(report).slice(0, 300)}`);
  }
  return ms;
}

export async function campaignUploadBench(target: CampaignUploadBenchTarget): Promise<string[]> {
  const auth = `Bearer ${await token(target.url)}`;
  const db = createDatabase({ url: target.databaseUrl, localProxy: target.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  const created: string[] = [];
  const draft = async (): Promise<string> => {
    const id = newId("campaign");
    await db.db.insert(campaigns).values({ id, spaceId: target.spaceId, agentId: target.agentId, name: "Upload bench", settings: CampaignSettings.parse({ callerNumberIds: [demoPhoneNumberId] }) });
    created.push(id);
    return id;
  };
  try {
    const csv = contactsCsv();
    // Warm-up: the Worker's isolate, the route, the database.
    await upload(target.url, auth, await draft(), csv, true);
    await upload(target.url, auth, await draft(), csv, false);
    const dry: number[] = [];
    const real: number[] = [];
    for (let r = 0; r < rounds; r++) {
      dry.push(await upload(target.url, auth, await draft(), csv, true));
      real.push(await upload(target.url, auth, await draft(), csv, false));
    }
    const d = summary(dry);
    const w = summary(real);
    return [
      `BENCH campaign.schedule_10k_items_ms=${fmt(w.p50, 0)} ms`,
      `BENCH campaign.schedule_10k_items.baseline_dry_run_ms=${fmt(d.p50, 0)} ms`,
      `(POST /v1/campaigns/{id}/contacts with a ${fmt(Buffer.byteLength(csv) / 1024, 0)} KiB CSV of ${rows} rows, median of ${rounds} alternating rounds: dryRun=false creates the ${rows} items (target ≤ 5000 ms); ` +
        `the baseline dry run streams, parses and checks the same file without writing)`,
    ];
  } finally {
    // Cascades to the items: the stack's other benches see the demo space as it was.
    if (created.length > 0) await db.db.delete(campaigns).where(inArray(campaigns.id, created));
    await db.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { freePort, startLocalStack } = await import("../lib.ts");
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-campaign-upload-"));
  const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
  try {
    const target = { url: stack.url, databaseUrl: stack.database.databaseUrl, localProxy: stack.database.localProxy, spaceId: stack.demoSpaceId, agentId: stack.demoAgentId };
    for (const line of await campaignUploadBench(target)) console.log(line);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
