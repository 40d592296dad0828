// The Worker's binding types (workers/worker-configuration.d.ts) are generated from wrangler.toml by
// `npm run types:workers` and committed; `wrangler types --check` recomputes them from the config
// and compares. A binding added to wrangler.toml without regenerating fails here, in `npm test`.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const wrangler = join(root, "node_modules/.bin/wrangler");
const typesFile = "workers/worker-configuration.d.ts";

async function check(configPath?: string): Promise<{ ok: boolean; output: string }> {
  const args = ["types", typesFile, "--check", ...(configPath ? ["-c", configPath] : [])];
  // wrangler needs Node ≥ 22.12: run it with the Node that runs this test.
  const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env["PATH"] ?? ""}`, WRANGLER_SEND_METRICS: "false" };
  try {
    const { stdout, stderr } = await run(process.execPath, [wrangler, ...args], { cwd: root, env, timeout: 50_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}

/** wrangler.toml copied to a temp dir, its relative paths made absolute so it describes the same Worker. */
async function configCopy(dir: string, extra = ""): Promise<string> {
  const toml = (await readFile(join(root, "wrangler.toml"), "utf8"))
    .replace(/^main = "(.+)"$/m, (_, main: string) => `main = "${join(root, main)}"`)
    .replace(/^directory = "(.+)"$/m, (_, directory: string) => `directory = "${join(root, directory)}"`);
  const path = join(dir, "wrangler.toml");
  await writeFile(path, toml + extra);
  return path;
}

describe("the generated Worker binding types", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("are up to date with wrangler.toml", async () => {
    const result = await check();
    expect(result.output).toContain("up to date");
    expect(result.ok).toBe(true);
  });

  it("are reported stale when wrangler.toml gains a binding, and pass for an unchanged copy of it", async () => {
    const same = await mkdtemp(join(tmpdir(), "worker-types-"));
    const changed = await mkdtemp(join(tmpdir(), "worker-types-"));
    dirs.push(same, changed);
    const unchanged = await check(await configCopy(same));
    expect(unchanged.ok).toBe(true);
    const stale = await check(await configCopy(changed, '\n[[queues.producers]]\nbinding = "NEW_QUEUE"\nqueue = "speaknode-new"\n'));
    expect(stale.ok).toBe(false);
    expect(stale.output).toContain("out of date");
  });
});
