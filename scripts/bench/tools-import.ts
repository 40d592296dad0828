// The OpenAPI import's preview against the local stack: POST /v1/spaces/{id}/tools/import with a
// generated Stripe-shaped document of 400 operations (~4 MB, uploaded as text like the dashboard's
// file picker sends it), answered with the index of every operation and the first page of 50
// drafts. Timed from the request to the whole answer read: upload, JSON parse, index, conversion
// of the 50 drafts, their checks, one query for codes already taken. The same-run baseline is the
// same request with a 5-operation document of the same generator (~0.7 MB: its shared components
// stay), so the difference is what 395 more operations cost. Alternating rounds after a warm-up;
// medians printed. Also
// Twilio's real core API document (2.1 MB, 197 operations) for scale, and the Node-side CPU time
// of the parse + index + conversion of 50 for the 400-operation document, which is what the
// Worker's CPU limit counts (wall time in the bench also holds the upload and the database).
//
// Standalone: `node scripts/bench/tools-import.ts` starts its own stack (in-memory database).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { stripeLikeDocument } from "../../workers/src/tools/fixtures/stripe-like.ts";
import { importOpenApi, indexOpenApi } from "../../workers/src/tools/openapi-import.ts";
import { token } from "./api.ts";
import { fmt, summary } from "./stats.ts";

const rounds = 7;
const pageSize = 50;
const twilioFixture = fileURLToPath(new URL("../../workers/src/tools/fixtures/twilio_api_v2010.json.gz", import.meta.url));

export interface ToolsImportBenchTarget {
  url: string;
  spaceId: string;
}

async function preview(target: ToolsImportBenchTarget, auth: string, document: string, expectedTotal: number): Promise<number> {
  const body = JSON.stringify({ source: { type: "document", document }, limit: pageSize });
  const t0 = performance.now();
  const res = await fetch(`${target.url}/v1/spaces/${target.spaceId}/tools/import`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body });
  const answer = (await res.json()) as { total?: number; tools?: unknown[] };
  const ms = performance.now() - t0;
  const drafts = Math.min(pageSize, expectedTotal);
  if (res.status !== 200 || answer.total !== expectedTotal || answer.tools?.length !== drafts) {
    throw new Error(`import preview answered ${res.status} (total ${String(answer.total)}, ${String(answer.tools?.length)} drafts; expected ${expectedTotal} and ${drafts}): ${JSON.stringify(answer).slice(0, 300)}`);
  }
  return ms;
}

/** Median CPU time in this process of what the route computes (no I/O): parse, index, 50 drafts. */
function cpuMs(text: string): number {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    const doc: unknown = JSON.parse(text);
    const index = indexOpenApi(doc);
    importOpenApi(doc, { codes: index.operations.slice(0, pageSize).map((o) => o.code) });
    samples.push(performance.now() - t0);
  }
  return summary(samples).p50;
}

export async function toolsImportBench(target: ToolsImportBenchTarget): Promise<string[]> {
  const auth = `Bearer ${await token(target.url)}`;
  const large = JSON.stringify(stripeLikeDocument(400));
  const small = JSON.stringify(stripeLikeDocument(5));
  const twilio = gunzipSync(readFileSync(twilioFixture)).toString("utf8");
  const twilioTotal = indexOpenApi(JSON.parse(twilio)).operations.length;
  // Warm-up: the Worker's isolate, the route, the database.
  await preview(target, auth, small, 5);
  await preview(target, auth, large, 400);
  const base: number[] = [];
  const timed: number[] = [];
  const twilioMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    base.push(await preview(target, auth, small, 5));
    timed.push(await preview(target, auth, large, 400));
    twilioMs.push(await preview(target, auth, twilio, twilioTotal));
  }
  const mb = (s: string) => fmt(Buffer.byteLength(s) / 1e6, 1);
  return [
    `BENCH tools.import_preview_ms=${fmt(summary(timed).p50, 0)} ms`,
    `BENCH tools.import_preview_baseline_ms=${fmt(summary(base).p50, 0)} ms`,
    `BENCH tools.import_preview_twilio_ms=${fmt(summary(twilioMs).p50, 0)} ms`,
    `(POST …/tools/import previews, median of ${rounds} alternating rounds: a generated Stripe-shaped document of 400 operations (${mb(large)} MB) → the index of 400 and the first ${pageSize} drafts; ` +
      `the baseline is the same request with 5 operations (${fmt(Buffer.byteLength(small) / 1024, 0)} KiB); Twilio's core API document ${mb(twilio)} MB, ${twilioTotal} operations. ` +
      `CPU of parse + index + ${pageSize} drafts in Node: ${fmt(cpuMs(large), 0)} ms (400 operations), ${fmt(cpuMs(twilio), 0)} ms (Twilio); a Worker's default CPU limit is 30 s)`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { freePort, startLocalStack } = await import("../lib.ts");
  const workDir = mkdtempSync(join(tmpdir(), "speaknode-bench-tools-import-"));
  const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
  try {
    for (const line of await toolsImportBench({ url: stack.url, spaceId: stack.demoSpaceId })) console.log(line);
  } finally {
    await stack.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  process.exit(0);
}
