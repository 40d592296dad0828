import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPublicAssets, publicAssetsDir } from "./lib.ts";
import { bundleProblems, buildWorkerBundle, probeModuleLoad, workerLimits, type WorkerBundle } from "./deploy-check.ts";

describe("the Worker's deploy bundle (wrangler deploy --dry-run)", () => {
  const dir = mkdtempSync(join(tmpdir(), "speaknode-deploy-check-test-"));
  let bundle: WorkerBundle;
  beforeAll(async () => {
    // wrangler refuses to bundle without the [assets] directory, which `npm run build` makes.
    if (!existsSync(publicAssetsDir)) buildPublicAssets({ quiet: true });
    bundle = await buildWorkerBundle(join(dir, "out"));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fits Workers' size limit and our gzip budget, and says how big it is", () => {
    console.log(`worker bundle: ${bundle.rawBytes} bytes raw, ${bundle.gzipBytes} bytes gzipped`);
    expect(bundle.rawBytes).toBeLessThanOrEqual(workerLimits.uncompressedBytes);
    expect(bundle.gzipBytes).toBeLessThanOrEqual(workerLimits.gzipBudgetBytes);
    expect(bundle.gzipBytes).toBeLessThan(bundle.rawBytes);
  });

  it("imports in workerd with every binding and secret missing, calling nothing at module load", async () => {
    const probe = await probeModuleLoad(bundle.dir);
    expect(probe.calls).toEqual([]);
    expect(probe.exports).toEqual(expect.arrayContaining(["default", "SessionRoom", "RateLimiter", "CampaignRunner"]));
    expect(bundleProblems(bundle, probe)).toEqual([]);
  }, 60_000);
});

describe("the module-load probe", () => {
  it("reports a bundle whose top level fetches, sets a timer or hashes, even when it swallows the error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "speaknode-probe-test-"));
    try {
      writeFileSync(
        join(dir, "index.js"),
        [
          'try { fetch("http://example.invalid/"); } catch {}',
          "try { setTimeout(() => {}, 1); } catch {}",
          'try { crypto.subtle.digest("SHA-256", new Uint8Array(1)); } catch {}',
          "export default { fetch: () => new Response('ok') };",
        ].join("\n"),
      );
      const probe = await probeModuleLoad(dir);
      expect(probe.calls).toEqual(["fetch", "setTimeout", "crypto.subtle.digest"]);
      expect(bundleProblems({ rawBytes: 10, gzipBytes: 10 }, probe).join("\n")).toMatch(/called fetch, setTimeout, crypto.subtle.digest.*\n.*does not export SessionRoom/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("bundle limits", () => {
  const clean = { calls: [], exports: ["default", "SessionRoom", "RateLimiter", "CampaignRunner"] };

  it("refuses a bundle over the uncompressed limit or the gzip budget", () => {
    expect(bundleProblems({ rawBytes: workerLimits.uncompressedBytes + 1, gzipBytes: 1 }, clean)).toHaveLength(1);
    expect(bundleProblems({ rawBytes: 1, gzipBytes: workerLimits.gzipBudgetBytes + 1 }, clean)).toHaveLength(1);
    expect(bundleProblems({ rawBytes: 1, gzipBytes: 1 }, clean)).toEqual([]);
  });

  it("refuses a startup over the platform's 1 s", () => {
    expect(bundleProblems({ rawBytes: 1, gzipBytes: 1 }, clean, 1001)).toEqual([expect.stringMatching(/startup took 1001 ms/)]);
    expect(bundleProblems({ rawBytes: 1, gzipBytes: 1 }, clean, 999)).toEqual([]);
  });
});
