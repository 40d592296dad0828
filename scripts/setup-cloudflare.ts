// `npm run setup:cloudflare`: first-run provisioning of a Cloudflare account for the Worker. Reads
// wrangler.toml (through wrangler's own reader) and creates what `wrangler deploy` expects to exist:
// every queue (producers, consumers and dead-letter queues) and every R2 bucket; skips what exists,
// so running it again changes nothing. Then prints the secrets checklist, derived from the Worker's
// configuration (workers/src/config.ts): what must be set before the first deploy, and what each
// optional driver needs. `--dry-run` prints the wrangler commands and calls nothing.
// Durable Objects need no provisioning (their migrations run on deploy), nor the cron trigger.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_readConfig } from "wrangler";
import { ConfigError, readConfig } from "../workers/src/config.ts";
import { root } from "./lib.ts";

export interface Resources {
  queues: string[];
  buckets: string[];
  /** Bindings in wrangler.toml this script does not create (it says so rather than skip them). */
  unsupported: string[];
}

/** Every queue and R2 bucket wrangler.toml names, in file order, each once. */
export function resourcesOf(configPath = join(root, "wrangler.toml")): Resources {
  const config = unstable_readConfig({ config: configPath });
  const queues = new Set<string>();
  for (const p of config.queues.producers ?? []) queues.add(p.queue);
  for (const c of config.queues.consumers ?? []) {
    queues.add(c.queue);
    if (c.dead_letter_queue) queues.add(c.dead_letter_queue);
  }
  const buckets = new Set<string>();
  for (const b of config.r2_buckets) if (b.bucket_name) buckets.add(b.bucket_name);
  const unsupported = [
    ...config.kv_namespaces.map((k: { binding: string }) => `KV namespace ${k.binding}`),
    ...config.d1_databases.map((d: { binding: string }) => `D1 database ${d.binding}`),
    ...config.hyperdrive.map((h: { binding: string }) => `Hyperdrive ${h.binding}`),
    ...config.vectorize.map((v: { binding: string }) => `Vectorize index ${v.binding}`),
  ];
  return { queues: [...queues], buckets: [...buckets], unsupported };
}

/** The wrangler commands that create them (run through `npx wrangler`). */
export function provisioningCommands(r: Resources): { check: string[]; create: string[] }[] {
  return [
    ...r.queues.map((q) => ({ check: ["queues", "info", q], create: ["queues", "create", q] })),
    ...r.buckets.map((b) => ({ check: ["r2", "bucket", "info", b], create: ["r2", "bucket", "create", b] })),
  ];
}

// Settings whose values are credentials go in with `wrangler secret put`; the others may be [vars].
const isSecret = (name: string) => /SECRET|_KEY$|PASSWORD|TOKEN|^DATABASE_URL$/.test(name);

/** How to make a value, where there is a standard way. */
const hints: Record<string, string> = {
  DATABASE_URL: "Neon's pooled connection string (postgres://…-pooler….neon.tech/…?sslmode=require)",
  OIDC_ISSUER: "your identity provider's issuer, e.g. https://auth.example.com/realms/speaknode (deploy/keycloak)",
  SECRETS_KEY: "openssl rand -base64 32 (keep it: it encrypts stored tool secrets)",
  RUNTIME_TOKEN_SECRET: "openssl rand -base64 48; the voice runtime gets the same value",
};

/** What each optional driver needs (the "needs" rules of readConfig; the test holds them to it). */
export const driverSettings: { when: string; vars: Record<string, string>; needs: string[] }[] = [
  { when: "MEDIA_DRIVER=livekit", vars: { MEDIA_DRIVER: "livekit" }, needs: ["LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"] },
  { when: "BILLING_DRIVER=lago", vars: { BILLING_DRIVER: "lago" }, needs: ["LAGO_API_KEY"] },
  { when: "BILLING_DRIVER=lago (hmac webhooks)", vars: { BILLING_DRIVER: "lago", LAGO_API_KEY: "x" }, needs: ["LAGO_WEBHOOK_HMAC_KEY"] },
  { when: "EMAIL_PROVIDER=resend", vars: { EMAIL_PROVIDER: "resend" }, needs: ["RESEND_API_KEY"] },
  { when: "Langfuse forwarding", vars: { LANGFUSE_BASE_URL: "https://cloud.langfuse.com" }, needs: ["LANGFUSE_BASE_URL", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY"] },
];

/** The settings the Worker refuses to start without, as readConfig reports them for an empty env,
 *  minus those wrangler.toml's [vars] already gives. */
export function requiredSettings(vars: Record<string, unknown>): string[] {
  try {
    readConfig({ ...vars });
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const fields = e.message.replace(/^invalid Worker configuration: /, "").split("; ");
    return fields.map((f) => f.split(":")[0] ?? "").filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
  }
}

export function secretsChecklist(configPath = join(root, "wrangler.toml")): string[] {
  const vars = unstable_readConfig({ config: configPath }).vars;
  const put = (name: string) => (isSecret(name) ? `npx wrangler secret put ${name}` : `npx wrangler secret put ${name}   (or a [vars] entry in wrangler.toml)`);
  const lines = ["Required before the first deploy:"];
  for (const name of requiredSettings(vars)) lines.push(`  ${put(name)}${hints[name] ? `\n      ${hints[name]}` : ""}`);
  for (const d of driverSettings) {
    const missing = d.needs.filter((n) => !(n in vars));
    if (missing.length > 0) lines.push(`With ${d.when}:`, ...missing.map((n) => `  ${put(n)}`));
  }
  lines.push("Never in production: DEV_TOOLS_ENABLED, DEV_OIDC_PRIVATE_JWK, DB_LOCAL_PROXY (development only).");
  return lines;
}

function wrangler(args: string[], quiet: boolean): number {
  const result = spawnSync(process.execPath, [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args], {
    cwd: root,
    stdio: quiet ? "ignore" : "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return result.status ?? 1;
}

function main(argv: string[]): number {
  const dryRun = argv.includes("--dry-run");
  const resources = resourcesOf();
  if (resources.unsupported.length > 0) {
    console.error(`wrangler.toml binds resources this script does not create: ${resources.unsupported.join(", ")}. Create them with wrangler first.`);
    return 1;
  }
  const commands = provisioningCommands(resources);
  if (dryRun) {
    console.log("# The resources wrangler.toml names (each skipped when `wrangler … info` finds it):");
    for (const c of commands) console.log(`npx wrangler ${c.create.join(" ")}`);
  } else {
    // `whoami --json` exits non-zero without a login or an API token.
    if (wrangler(["whoami", "--json"], true) !== 0) {
      console.error("Not signed in to Cloudflare. Run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID), then `npm run setup:cloudflare` again. `npm run setup:cloudflare -- --dry-run` prints the commands without an account.");
      return 2;
    }
    for (const c of commands) {
      const name = c.create.at(-1);
      if (wrangler(c.check, true) === 0) {
        console.log(`exists: ${c.create.slice(0, -2).join(" ")} ${name}`);
        continue;
      }
      if (wrangler(c.create, false) !== 0) {
        console.error(`could not create ${name}: npx wrangler ${c.create.join(" ")} failed`);
        return 1;
      }
    }
  }
  console.log("");
  for (const line of secretsChecklist()) console.log(line);
  console.log("\nThen: DATABASE_URL=… npm run db:migrate && npm run deploy (README, \"Deploy to Cloudflare\").");
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(main(process.argv.slice(2)));
