// The Worker's deploy bundle (`wrangler deploy --dry-run`): its gzip size against its raw size and
// against Workers' limits, and its startup CPU in a local workerd profile against an empty Worker's
// profiled the same way in the same run (the CPU profile is local and noisy: only the ratio travels).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWorkerBundle, startupCpuMs, workerLimits } from "../deploy-check.ts";
import { fmt } from "./stats.ts";

/** An empty module Worker with the same compatibility settings: the startup baseline. */
function emptyWorkerConfig(dir: string): string {
  writeFileSync(join(dir, "index.js"), "export default { fetch: () => new Response('ok') };\n");
  const config = join(dir, "wrangler.toml");
  writeFileSync(config, `name = "empty"\nmain = "index.js"\ncompatibility_date = "2026-11-01"\ncompatibility_flags = ["nodejs_compat"]\n`);
  return config;
}

export async function bundleBench(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "speaknode-bundle-bench-"));
  try {
    const bundle = await buildWorkerBundle(join(dir, "out"));
    const emptyConfig = emptyWorkerConfig(dir);
    // Alternated, three each, median: other work on the machine lands on both sides.
    const ours: number[] = [];
    const empty: number[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        ours.push(await startupCpuMs());
        empty.push(await startupCpuMs(emptyConfig));
      }
    } catch (e) {
      // wrangler's profile has a 10 s deadline a heavily loaded machine can miss: the sizes still stand.
      return [...sizeLines(bundle), `(worker startup not profiled: ${e instanceof Error ? e.message.split("\n")[0] : String(e)})`];
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? Number.NaN;
    const startup = median(ours);
    const baseline = median(empty);
    return [
      ...sizeLines(bundle),
      `BENCH worker.startup_cpu_ms=${fmt(startup, 0)} ms`,
      `BENCH worker.startup_empty_worker_cpu_ms=${fmt(baseline, 0)} ms`,
      `BENCH worker.startup_vs_empty_ratio=${fmt(startup / baseline)} x`,
      `BENCH worker.startup_vs_limit_ratio=${fmt(startup / workerLimits.startupMs)} x`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sizeLines(bundle: { rawBytes: number; gzipBytes: number }): string[] {
  return [
    `BENCH worker.bundle_gzip_bytes=${bundle.gzipBytes} bytes`,
    `BENCH worker.bundle_raw_bytes=${bundle.rawBytes} bytes`,
    `BENCH worker.bundle_gzip_vs_raw_ratio=${fmt(bundle.gzipBytes / bundle.rawBytes, 3)} x`,
    `BENCH worker.bundle_raw_vs_limit_ratio=${fmt(bundle.rawBytes / workerLimits.uncompressedBytes, 3)} x`,
    `BENCH worker.bundle_gzip_vs_former_free_limit_ratio=${fmt(bundle.gzipBytes / workerLimits.gzipBudgetBytes, 3)} x`,
  ];
}
