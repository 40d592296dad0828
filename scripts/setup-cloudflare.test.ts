import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../workers/src/config.ts";
import { root } from "./lib.ts";
import { driverSettings, provisioningCommands, requiredSettings, resourcesOf, secretsChecklist } from "./setup-cloudflare.ts";

const script = join(root, "scripts", "setup-cloudflare.ts");
const run = (args: string[], env: Record<string, string | undefined> = process.env) =>
  spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8", env: { ...env, WRANGLER_SEND_METRICS: "false" } });

/** Values the Worker's configuration accepts for its required settings. */
const required = {
  DATABASE_URL: "postgres://u:p@db.example.com/speaknode",
  OIDC_ISSUER: "https://auth.example.com/realms/speaknode",
  SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
  RUNTIME_TOKEN_SECRET: "r".repeat(32),
};

describe("npm run setup:cloudflare", () => {
  it("creates every queue wrangler.toml names, dead-letter queues included, and its R2 bucket", () => {
    const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
    const named = new Set([...toml.matchAll(/^(?:queue|dead_letter_queue)\s*=\s*"([^"]+)"/gm)].map((m) => m[1]));
    const r = resourcesOf();
    expect(new Set(r.queues)).toEqual(named);
    expect(r.queues).toContain("speaknode-telemetry-dlq");
    expect(r.buckets).toEqual(["speaknode-recordings"]);
    expect(provisioningCommands(r)).toContainEqual({ check: ["r2", "bucket", "info", "speaknode-recordings"], create: ["r2", "bucket", "create", "speaknode-recordings"] });
  });

  it("picks up a queue or bucket added to wrangler.toml, and refuses bindings it cannot create", () => {
    const dir = mkdtempSync(join(root, ".setup-cloudflare-test-"));
    try {
      const toml = readFileSync(join(root, "wrangler.toml"), "utf8").replace('main = "workers/src/index.ts"', 'main = "../workers/src/index.ts"').replace('directory = "./build/public"', 'directory = "../build/public"');
      const config = join(dir, "wrangler.toml");
      writeFileSync(config, `${toml}\n[[queues.producers]]\nbinding = "NEW_QUEUE"\nqueue = "speaknode-new"\n\n[[r2_buckets]]\nbinding = "EXPORTS"\nbucket_name = "speaknode-exports"\n`);
      const r = resourcesOf(config);
      expect(r.queues).toContain("speaknode-new");
      expect(r.buckets).toEqual(["speaknode-recordings", "speaknode-exports"]);
      expect(r.unsupported).toEqual([]);
      writeFileSync(config, `${toml}\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "abc"\n`);
      expect(resourcesOf(config).unsupported).toEqual(["KV namespace CACHE"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--dry-run prints the exact wrangler commands and the secrets checklist without an account", () => {
    const home = mkdtempSync(join(tmpdir(), "speaknode-no-login-"));
    try {
      const out = run(["--dry-run"], { ...process.env, HOME: home, XDG_CONFIG_HOME: home, CLOUDFLARE_API_TOKEN: undefined });
      expect(out.status).toBe(0);
      const commands = out.stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("npx wrangler "));
      expect(commands).toContain("npx wrangler queues create speaknode-telemetry");
      expect(commands).toContain("npx wrangler r2 bucket create speaknode-recordings");
      expect(commands).toContain("npx wrangler secret put RUNTIME_TOKEN_SECRET");
      expect(out.stdout).not.toMatch(/Not signed in/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);

  it("without a Cloudflare login says how to sign in, once, and creates nothing", () => {
    const home = mkdtempSync(join(tmpdir(), "speaknode-no-login-"));
    try {
      const out = run([], { ...process.env, HOME: home, XDG_CONFIG_HOME: home, CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_ACCOUNT_ID: undefined });
      expect(out.status).toBe(2);
      expect(out.stderr.trim()).toMatch(/^Not signed in to Cloudflare\. Run `npx wrangler login`/);
      expect(out.stdout).not.toMatch(/queues create|Creating/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the secrets checklist", () => {
  it("lists exactly the settings the Worker refuses to start without", () => {
    expect(requiredSettings({})).toEqual(expect.arrayContaining(Object.keys(required)));
    expect(requiredSettings(required)).toEqual([]);
    expect(() => readConfig(required)).not.toThrow();
  });

  it("names what each optional driver needs, as the Worker's configuration does", () => {
    for (const d of driverSettings) {
      let message = "";
      try {
        readConfig({ ...required, ...d.vars });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        message = (e as Error).message;
      }
      for (const name of d.needs) expect(message, d.when).toContain(name);
    }
  });

  it("asks for every credential with wrangler secret put", () => {
    const list = secretsChecklist().join("\n");
    for (const name of ["DATABASE_URL", "SECRETS_KEY", "RUNTIME_TOKEN_SECRET", "LIVEKIT_API_SECRET", "LAGO_API_KEY", "RESEND_API_KEY", "LANGFUSE_SECRET_KEY"]) {
      expect(list).toMatch(new RegExp(`npx wrangler secret put ${name}\\n`));
    }
    expect(list).not.toMatch(/secret put (OIDC_AUDIENCE|EMAIL_PROVIDER)/);
  });
});
