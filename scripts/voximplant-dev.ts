// The embedded default's VoxImplant side, shared by `npm run dev`, `npm run bench` and the e2e
// tests: a service-account key made once per checkout (the simulated account holds its public
// half, the demo connection its private half, sealed like any connection's), the demo space's
// VoxImplant connection and number bound to the demo agent, the VoxImplant simulator
// (simulators/voximplant) with the platform's generated VoxEngine scenario uploaded to its
// application exactly as an owner would paste it, and the media bridge the scenario connects to.
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { VoximplantServiceAccountKey } from "@speaknode/contracts";
import {
  demoAgentId,
  demoSpaceId,
  demoVoximplantAccountId,
  demoVoximplantApplicationId,
  demoVoximplantConnectionId,
  demoVoximplantNumber,
  demoVoximplantNumberId,
  demoVoximplantPhoneId,
  demoVoximplantRuleId,
  phoneNumbers,
  telephonyConnections,
  type Database,
} from "@speaknode/db";
import { newScenarioSecret, sealVoximplantSecrets } from "../workers/src/telephony/voximplant/credentials.ts";
import { voximplantScenario } from "../workers/src/telephony/voximplant/scenario.ts";
import { startVoximplantSimulator, type VoximplantSimulator } from "../simulators/voximplant/src/server.ts";
import { ensureDir, untilReady } from "./lib.ts";

const root = new URL("..", import.meta.url).pathname;

/** The simulated account's service-account key file (as VoxImplant's control panel downloads it)
 *  and the public key the simulator checks its JWTs with; made once per checkout. */
export interface SimulatedVoximplantKey {
  serviceAccountKey: VoximplantServiceAccountKey;
  publicKeyPem: string;
}

const KeyFile = z.object({ serviceAccountKey: VoximplantServiceAccountKey, publicKeyPem: z.string().min(1), scenarioSecret: z.string().min(32) });
type KeyFile = z.infer<typeof KeyFile>;

/** The key pair and the scenario secret, kept under `dir` so a restart keeps the uploaded scenario valid. */
export function simulatedVoximplantAccount(dir: string): KeyFile {
  const file = join(ensureDir(dir), "voximplant-sim-account.json");
  if (existsSync(file)) {
    const parsed = KeyFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
  }
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const made: KeyFile = {
    serviceAccountKey: {
      account_id: Number(demoVoximplantAccountId),
      key_id: randomUUID(),
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    },
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    scenarioSecret: newScenarioSecret(),
  };
  writeFileSync(file, JSON.stringify(made, null, 2), { mode: 0o600 });
  return made;
}

/** The demo VoxImplant connection (secrets sealed with the Worker's key) and number; safe on every start. */
export async function seedDemoVoximplant(db: Database, secretsKey: string, account: KeyFile): Promise<void> {
  const sealed = await sealVoximplantSecrets(secretsKey, demoVoximplantConnectionId, { serviceAccountKey: account.serviceAccountKey, scenarioSecret: account.scenarioSecret });
  const settings = { applicationId: demoVoximplantApplicationId, ruleId: demoVoximplantRuleId, encoding: "pcm8", keyId: account.serviceAccountKey.key_id };
  await db
    .insert(telephonyConnections)
    .values({ id: demoVoximplantConnectionId, spaceId: demoSpaceId, provider: "voximplant", name: "VoxImplant simulator", ...sealed, settings })
    .onConflictDoUpdate({ target: telephonyConnections.id, set: { ...sealed, settings } });
  await db
    .insert(phoneNumbers)
    .values({
      id: demoVoximplantNumberId,
      spaceId: demoSpaceId,
      connectionId: demoVoximplantConnectionId,
      e164: demoVoximplantNumber,
      providerNumberId: demoVoximplantPhoneId,
      friendlyName: "Speaknode demo line over VoxImplant (simulated)",
      agentId: demoAgentId,
      // A simulated line reaches only simulated phones (see the Twilio demo number).
      allowedCountries: ["*"],
      maxConcurrentCalls: 20,
      previousConfig: { applicationId: null },
    })
    .onConflictDoNothing();
}

/** The VoxImplant simulator holding the demo account, its application with the generated scenario, and its numbers. */
export async function startDemoVoximplantSimulator(opts: { workerUrl: string; bridgeUrl: string; account: KeyFile; port?: number; quiet?: boolean }): Promise<VoximplantSimulator> {
  const scenario = voximplantScenario({ platformOrigin: opts.workerUrl, connectionId: demoVoximplantConnectionId, scenarioSecret: opts.account.scenarioSecret, bridgeUrl: opts.bridgeUrl, encoding: "pcm8" });
  return startVoximplantSimulator({
    port: opts.port ?? 0,
    accounts: [
      {
        accountId: Number(demoVoximplantAccountId),
        accountName: "speaknode-demo",
        keys: [{ keyId: opts.account.serviceAccountKey.key_id, publicKeyPem: opts.account.publicKeyPem }],
        applications: [{ applicationId: demoVoximplantApplicationId, name: "speaknode-demo.speaknode.voximplant.com", rules: [{ ruleId: demoVoximplantRuleId, name: "speaknode", pattern: ".*" }], scenario }],
        numbers: [
          { phoneId: Number(demoVoximplantPhoneId), phoneNumber: demoVoximplantNumber.slice(1), applicationId: demoVoximplantApplicationId },
          // One more of the account's numbers, not imported yet: the import dialog has something to take.
          { phoneId: Number(demoVoximplantPhoneId) + 1, phoneNumber: "15555550201", applicationId: null },
        ],
      },
    ],
    ...(opts.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
  });
}

export interface BridgeProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The VoxImplant media bridge (voice-runtime/src/bridge/main.ts) as its own process, into the local runtime's media endpoint. */
export async function startBridge(opts: { port: number; tokenSecret: string; runtimeMediaUrl: string; quiet?: boolean; timeoutMs?: number }): Promise<BridgeProcess> {
  const child = spawn(process.execPath, [join(root, "voice-runtime/src/bridge/main.ts")], {
    cwd: root,
    stdio: ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"],
    env: { ...process.env, BRIDGE_HOST: "127.0.0.1", BRIDGE_PORT: String(opts.port), RUNTIME_TOKEN_SECRET: opts.tokenSecret, RUNTIME_MEDIA_URL: opts.runtimeMediaUrl, MEDIA_DRIVER: "local" },
  });
  const { ready: url, stop } = await untilReady(child, { name: "the VoxImplant bridge", ready: /speaknode voximplant bridge ready (\S+)/, quiet: opts.quiet, timeoutMs: opts.timeoutMs ?? 30_000, stopGraceMs: 5000 });
  return { url, child, stop };
}
