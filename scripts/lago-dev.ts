// The Lago side of `npm run dev -- --billing lago` and the Lago e2e test: billing's production
// path on one machine. The Lago simulator (simulators/lago, NOT Lago) runs in this process with an
// API key and an HMAC webhook key made once per checkout; the Worker gets BILLING_DRIVER=lago and
// those keys; once the Worker is up, the dev platform Admin provisions Lago's metric and plans
// through the admin API, exactly as an operator does against a real Lago.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { startLagoSimulator, type LagoSimulator } from "../simulators/lago/src/server.ts";
import { token } from "./bench/api.ts";
import { ensureDir } from "./lib.ts";

const Keys = z.object({ apiKey: z.string().min(32), hmacKey: z.string().min(32) });
export type SimulatedLagoKeys = z.infer<typeof Keys>;

/** The simulated organization's API key and webhook HMAC key, kept under `dir` (mode 600). */
export function simulatedLagoKeys(dir: string): SimulatedLagoKeys {
  const file = join(ensureDir(dir), "lago-sim-keys.json");
  if (existsSync(file)) {
    const parsed = Keys.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
  }
  const made = { apiKey: randomBytes(24).toString("base64url"), hmacKey: randomBytes(32).toString("base64url") };
  writeFileSync(file, JSON.stringify(made, null, 2), { mode: 0o600 });
  return made;
}

/** What the Worker's env file needs to bill through the simulator. */
export function lagoWorkerEnv(port: number, keys: SimulatedLagoKeys): Record<string, string> {
  return {
    BILLING_DRIVER: "lago",
    LAGO_API_URL: `http://127.0.0.1:${port}`,
    LAGO_API_KEY: keys.apiKey,
    LAGO_WEBHOOK_SIGNATURE: "hmac",
    LAGO_WEBHOOK_HMAC_KEY: keys.hmacKey,
  };
}

/** POST /v1/admin/billing/lago/provision as the dev platform Admin (admin@speaknode.local); throws unless 200. */
export async function provisionDemoLago(workerUrl: string): Promise<{ plans: number }> {
  const adminToken = await token(workerUrl, "admin@speaknode.local");
  const res = await fetch(`${workerUrl}/v1/admin/billing/lago/provision`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`Lago provisioning failed: ${res.status} ${text}`);
  const body = z.object({ plans: z.array(z.unknown()) }).parse(JSON.parse(text));
  return { plans: body.plans.length };
}

/** Starts the simulator on `port`, then provisions it through the Worker (already running with lagoWorkerEnv). */
export async function startDemoLago(opts: { port: number; keys: SimulatedLagoKeys; workerUrl: string; quiet?: boolean | undefined }): Promise<LagoSimulator> {
  const sim = await startLagoSimulator({
    port: opts.port,
    apiKey: opts.keys.apiKey,
    hmacKey: opts.keys.hmacKey,
    ...(opts.quiet ? {} : { log: (line: string) => process.stderr.write(`lago simulator: ${line}\n`) }),
  });
  try {
    await provisionDemoLago(opts.workerUrl);
  } catch (err) {
    await sim.close();
    throw err;
  }
  return sim;
}
