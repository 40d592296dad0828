// `npm run deploy:check`: builds the Worker exactly as `npm run deploy` would upload it (`wrangler
// deploy --dry-run --outdir`, no Cloudflare account needed), then checks it against the platform's
// limits: its size, that importing it does no work (no fetch, timer, socket or crypto call at module
// load, with every binding missing), and its startup CPU in a local workerd profile. Exit 1 when a
// check fails. Used by the node test beside it and by the bench (scripts/bench/bundle.ts).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pathToFileURL } from "node:url";
import { root } from "./lib.ts";

/** Cloudflare's Worker limits, with where and when each was read (they move: check before relying). */
export const workerLimits = {
  /** Since 2026-09-04 the only size limit: 64 MiB uncompressed on every plan
   *  (developers.cloudflare.com/workers/platform/limits/, cloudflare/workers-sdk#14001; read 2026-12). */
  uncompressedBytes: 64 * 1024 * 1024,
  /** The former compressed limit of the Free plan (3 MiB gzip; 10 MiB Paid). Not enforced any more, kept
   *  as our own budget: a bundle past it would have been refused until recently and costs cold starts. */
  gzipBudgetBytes: 3 * 1024 * 1024,
  /** Parsing and running the global scope must finish within 1 s (changelog 2025-10-10; was 400 ms). */
  startupMs: 1000,
} as const;

export interface WorkerBundle {
  dir: string;
  mainPath: string;
  rawBytes: number;
  gzipBytes: number;
}

function run(args: string[], opts: { cwd?: string } = {}): Promise<{ code: number | null; output: string }> {
  // wrangler's own entry under this Node (wrangler 4 needs Node ≥ 22.12, the one `npm run` puts first).
  const child = spawn(process.execPath, [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args], {
    cwd: opts.cwd ?? root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** `wrangler deploy --dry-run --outdir <dir>`: the script `npm run deploy` uploads, and its sizes. */
export async function buildWorkerBundle(outDir: string, config = join(root, "wrangler.toml")): Promise<WorkerBundle> {
  const { code, output } = await run(["deploy", "--dry-run", "--outdir", outDir, "--config", config]);
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (exit ${code})\n${output}`);
  const mainPath = join(outDir, "index.js");
  const raw = readFileSync(mainPath);
  // gzip at level 9 is what wrangler's "Total Upload … / gzip" line reports.
  return { dir: outDir, mainPath, rawBytes: statSync(mainPath).size, gzipBytes: gzipSync(raw, { level: 9 }).length };
}

export interface ModuleLoadProbe {
  /** What the module called while it was being imported (fetch, setTimeout, crypto.subtle.importKey, …). */
  calls: string[];
  /** The module's exports, once imported. */
  exports: string[];
}

// Evaluated before the bundle (an ES module's imports run in order): wraps every global that does I/O,
// schedules work or spends CPU on keys, and records calls while the bundle's top level runs. workerd
// itself refuses I/O in the global scope; recording first also catches a call the code then swallows.
const probeSource = `
const calls = [];
globalThis.__moduleLoadCalls = calls;
const wrap = (owner, name, label) => {
  const original = owner[name];
  if (typeof original !== "function") return;
  owner[name] = new Proxy(original, {
    apply(target, self, args) { calls.push(label); return Reflect.apply(target, owner, args); },
    construct(target, args) { calls.push(label); return Reflect.construct(target, args); },
  });
};
for (const name of ["fetch", "setTimeout", "setInterval", "WebSocket", "EventSource"]) wrap(globalThis, name, name);
for (const name of ["getRandomValues", "randomUUID"]) wrap(crypto, name, "crypto." + name);
for (const name of ["importKey", "generateKey", "digest", "sign", "verify", "deriveBits", "encrypt", "decrypt"]) wrap(crypto.subtle, name, "crypto.subtle." + name);
if (globalThis.caches) wrap(caches, "open", "caches.open");
`;

const entrySource = `
import "./module-load-probe.js";
import * as bundle from "./index.js";
const calls = [...globalThis.__moduleLoadCalls];
export default { fetch: () => Response.json({ calls, exports: Object.keys(bundle) }) };
`;

/**
 * Imports a built bundle (`<dir>/index.js`) in workerd through Miniflare, with no bindings and no
 * secrets at all, and reports what its top level called. Throws when importing it fails.
 */
export async function probeModuleLoad(bundleDir: string): Promise<ModuleLoadProbe> {
  writeFileSync(join(bundleDir, "module-load-probe.js"), probeSource);
  writeFileSync(join(bundleDir, "module-load-entry.js"), entrySource);
  const { Miniflare } = await import("miniflare");
  const config = readCompatibility();
  const esm = (file: string) => ({ type: "esm" as const, contents: readFileSync(join(bundleDir, file), "utf8") });
  // No bindings, no vars, no secrets: whatever the top level needed from its env would fail here.
  const mf = new Miniflare({
    workers: [
      {
        config: {
          name: "module-load-probe",
          compatibilityDate: config.compatibilityDate,
          compatibilityFlags: config.compatibilityFlags,
          manifest: {
            mainModule: "module-load-entry.js",
            modules: { "module-load-entry.js": esm("module-load-entry.js"), "module-load-probe.js": esm("module-load-probe.js"), "index.js": esm("index.js") },
          },
        },
      },
    ],
  });
  try {
    const res = await mf.dispatchFetch("http://probe.invalid/");
    return (await res.json()) as ModuleLoadProbe;
  } finally {
    await mf.dispose();
  }
}

function readCompatibility(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return { compatibilityDate: date, compatibilityFlags: [...(flags ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "") };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The CPU the startup of the Worker a wrangler config names spent, in ms: `wrangler check startup`
 *  builds it and profiles its global scope in local workerd; every sample not idle counts (garbage
 *  collection included). A local figure: Cloudflare's CPUs differ, so compare it with a baseline. */
export async function startupCpuMs(config = join(root, "wrangler.toml")): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "speaknode-startup-"));
  try {
    const outfile = join(dir, "startup.cpuprofile");
    // wrangler gives the profile 10 s; on a loaded machine (others' tests) it can miss that: try again.
    let result = await run(["check", "startup", "--config", config, "--outfile", outfile]);
    for (let attempt = 1; attempt < 3 && result.code !== 0 && /timed out/.test(result.output); attempt++) {
      result = await run(["check", "startup", "--config", config, "--outfile", outfile]);
    }
    if (result.code !== 0) throw new Error(`wrangler check startup failed (exit ${result.code})\n${result.output}`);
    const profile = JSON.parse(readFileSync(outfile, "utf8")) as CpuProfile;
    const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
    let activeUs = 0;
    profile.samples.forEach((id, i) => {
      if (!idle.has(id)) activeUs += profile.timeDeltas[i] ?? 0;
    });
    return activeUs / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What is wrong with a bundle against the limits; empty when it passes. */
export function bundleProblems(bundle: Pick<WorkerBundle, "rawBytes" | "gzipBytes">, probe: ModuleLoadProbe, startupMs?: number): string[] {
  const problems: string[] = [];
  if (bundle.rawBytes > workerLimits.uncompressedBytes) problems.push(`the bundle is ${bundle.rawBytes} bytes, over Workers' ${workerLimits.uncompressedBytes}-byte limit`);
  if (bundle.gzipBytes > workerLimits.gzipBudgetBytes) problems.push(`the bundle is ${bundle.gzipBytes} bytes gzipped, over our ${workerLimits.gzipBudgetBytes}-byte budget`);
  if (probe.calls.length > 0) problems.push(`importing the bundle called ${[...new Set(probe.calls)].join(", ")}: module load must do no work`);
  for (const name of ["default", "SessionRoom", "RateLimiter", "CampaignRunner"]) {
    if (!probe.exports.includes(name)) problems.push(`the bundle does not export ${name} (wrangler.toml names it)`);
  }
  if (startupMs !== undefined && startupMs > workerLimits.startupMs) problems.push(`startup took ${startupMs.toFixed(0)} ms of CPU, over the ${workerLimits.startupMs} ms limit`);
  return problems;
}

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), "speaknode-deploy-check-"));
  try {
    const bundle = await buildWorkerBundle(outDir);
    const probe = await probeModuleLoad(outDir);
    // The profile is a local measurement with a 10 s deadline of wrangler's: on a busy machine it can
    // time out, which says nothing about the bundle, so it warns rather than blocks the deploy.
    const startupMs = await startupCpuMs().catch((e: unknown) => {
      console.warn(`startup CPU not profiled: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      return undefined;
    });
    console.log(`worker bundle: ${bundle.rawBytes} bytes, ${bundle.gzipBytes} gzipped (limit ${workerLimits.uncompressedBytes} uncompressed; our gzip budget ${workerLimits.gzipBudgetBytes})`);
    console.log(`module load: ${probe.calls.length === 0 ? "no calls" : probe.calls.join(", ")}; exports ${probe.exports.join(", ")}`);
    if (startupMs !== undefined) console.log(`startup CPU (local workerd profile): ${startupMs.toFixed(0)} ms of the ${workerLimits.startupMs} ms limit`);
    const problems = bundleProblems(bundle, probe, startupMs);
    for (const p of problems) console.error(`✗ ${p}`);
    if (problems.length > 0) process.exit(1);
    console.log("the Worker is ready to deploy: npm run deploy");
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
