// Shared by the dev and bench scripts: the local stack's well-known places, the Worker under
// wrangler dev (real workerd), and the whole stack wired together.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair } from "jose";
import { newId } from "@speaknode/contracts";
import { createDatabase, seedDemo } from "@speaknode/db";
import { startEmbeddedDatabase, ws, type EmbeddedDatabase } from "@speaknode/db/node";
import type { TwilioSimulator } from "../simulators/twilio/src/server.ts";
import { seedDemoTelephony, simulatedAuthToken, startDemoTwilioSimulator } from "./telephony-dev.ts";
import { seedDemoVoximplant, simulatedVoximplantAccount, startBridge, startDemoVoximplantSimulator, type BridgeProcess } from "./voximplant-dev.ts";
import type { VoximplantSimulator } from "../simulators/voximplant/src/server.ts";
import type { LagoSimulator } from "../simulators/lago/src/server.ts";
import { lagoWorkerEnv, simulatedLagoKeys, startDemoLago } from "./lago-dev.ts";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const dataDir = join(root, ".data");

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * Keeps a port bound (listening, accepting nothing) until released, so that nothing else on the
 * machine — another test's process, an outgoing connection's ephemeral port — takes it between
 * choosing it (freePort) and its process binding it seconds later, after the Worker has started.
 */
export async function holdPort(port: number): Promise<() => Promise<void>> {
  // Whoever connects meanwhile is refused at once (and close() never waits on a connection).
  const server = createNetServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "EADDRINUSE" ? new Error(`port ${port} on 127.0.0.1 is already in use`) : err));
    server.listen(port, "127.0.0.1", () => resolve());
  });
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await new Promise((resolve) => server.close(resolve));
  };
}

/** What the Worker serves as static assets (wrangler's [assets] directory): `npm run build` makes it. */
export const publicAssetsDir = join(root, "build", "public");

/** `npm run build`: the widget and the dashboard into build/public; throws when the build fails. */
export function buildPublicAssets(opts: { quiet?: boolean } = {}): void {
  const result = spawnSync(process.execPath, [join(root, "scripts", "build.ts")], { cwd: root, stdio: opts.quiet ? "pipe" : "inherit", encoding: "utf8" });
  if (result.status !== 0) throw new Error(`the build failed (node scripts/build.ts, exit ${result.status})\n${result.stderr ?? ""}`);
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** The dev issuer's RS256 key, made once per checkout so tokens survive restarts. */
export async function devIssuerKey(dir: string): Promise<string> {
  const file = join(ensureDir(dir), "dev-issuer.jwk.json");
  if (existsSync(file)) return readFileSync(file, "utf8");
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = JSON.stringify(await exportJWK(privateKey));
  writeFileSync(file, jwk, { mode: 0o600 });
  return jwk;
}

/** A local 32-byte key (base64), made once per checkout like the issuer key. */
export function localSecretsKey(dir: string, name: string): string {
  const file = join(ensureDir(dir), name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const key = randomBytes(32).toString("base64");
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

export function writeEnvFile(file: string, vars: Record<string, string>): void {
  // Single-quoted dotenv values are taken literally (wrangler does not unescape \" in double quotes).
  const quote = (v: string) => {
    if (/['\n]/.test(v)) throw new Error("env file values must not hold single quotes or newlines");
    return `'${v}'`;
  };
  writeFileSync(file, Object.entries(vars).map(([k, v]) => `${k}=${quote(v)}`).join("\n") + "\n", { mode: 0o600 });
}

export interface WorkerProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `wrangler dev` on 127.0.0.1 and resolves once /healthz answers. */
export async function startWorker(opts: { port: number; envFile: string; persistTo: string; quiet?: boolean; timeoutMs?: number; testScheduled?: boolean }): Promise<WorkerProcess> {
  const url = `http://127.0.0.1:${opts.port}`;
  // wrangler refuses to start without the assets directory; `npm run build` normally made it.
  if (!existsSync(publicAssetsDir)) buildPublicAssets({ quiet: true });
  const child = spawn(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(opts.port), "--env-file", opts.envFile, "--persist-to", opts.persistTo, "--show-interactive-dev-session=false", "--inspector-port", "0", ...(opts.testScheduled ? ["--test-scheduled"] : [])],
    { cwd: root, stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { url, child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url} in time\n${output}`);
}

export interface VoiceRuntimeProcess {
  /** The local media endpoint, ws://127.0.0.1:PORT/v1/media */
  mediaUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the voice runtime (local transport) and resolves once it says it is ready. */
export async function startVoiceRuntime(opts: {
  apiUrl: string;
  tokenSecret: string;
  mediaPort: number;
  recordingsDir: string;
  /** Where the runtime keeps what outlives a process (event spools); default: the runtime's own. */
  dataDir?: string;
  quiet?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<VoiceRuntimeProcess> {
  const child = spawn(process.execPath, [join(root, "voice-runtime/src/main.ts")], {
    cwd: root,
    stdio: ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"],
    env: {
      ...process.env,
      SPEAKNODE_API_URL: opts.apiUrl,
      RUNTIME_TOKEN_SECRET: opts.tokenSecret,
      RUNTIME_TRANSPORT: "local",
      RUNTIME_MEDIA_HOST: "127.0.0.1",
      RUNTIME_MEDIA_PORT: String(opts.mediaPort),
      RECORDINGS_DIR: ensureDir(opts.recordingsDir),
      ...(opts.dataDir ? { RUNTIME_DATA_DIR: ensureDir(opts.dataDir) } : {}),
      // Demo webhook tools live on this machine; production keeps private addresses blocked.
      TOOL_ALLOW_PRIVATE_HOSTS: "127.0.0.1,localhost",
      // The Worker admits loopback provider keys in development; the runtime must then reach them too.
      PROVIDER_ALLOW_PRIVATE_HOSTS: "127.0.0.1,localhost",
      // Traces go to the local Worker's /v1/traces (with the runtime's service token) unless the
      // shell points them elsewhere.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: process.env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? `${opts.apiUrl}/v1/traces`,
      ...opts.env,
    },
  });
  const { ready: mediaUrl, stop } = await untilReady(child, { name: "the voice runtime", ready: /speaknode voice runtime ready (\S+)/, quiet: opts.quiet, timeoutMs: opts.timeoutMs ?? 60_000, stopGraceMs: 12_000 });
  return { mediaUrl, child, stop };
}

/**
 * Waits for a child process of ours to print its ready line on stdout (passed through unless
 * `quiet`) and resolves with the line's first group and a stop that sends SIGTERM, then SIGKILL
 * after `stopGraceMs`. An exit or a timeout first stops it and rejects with its last stderr.
 */
export async function untilReady(
  child: ChildProcess,
  opts: { name: string; ready: RegExp; quiet?: boolean | undefined; timeoutMs: number; stopGraceMs: number },
): Promise<{ ready: string; stop(): Promise<void> }> {
  let output = "";
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, opts.stopGraceMs))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  };
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.name} did not start in time\n${output}`)), opts.timeoutMs);
    let buffered = "";
    let found = false;
    child.stdout?.on("data", (d: Buffer) => {
      // @livekit/agents logs to stdout: pass it through unless asked to be quiet.
      if (!opts.quiet) process.stdout.write(d);
      if (found) return;
      buffered += d.toString();
      const m = buffered.match(opts.ready);
      if (m?.[1]) {
        found = true;
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${opts.name} exited with code ${code}\n${output}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { ready, stop };
}

export interface LocalStack {
  url: string;
  issuer: string;
  database: EmbeddedDatabase;
  worker: WorkerProcess;
  demoSpaceId: string;
  demoAgentId: string;
  /** Set when the stack was started with its voice runtime. */
  runtime: VoiceRuntimeProcess | undefined;
  /** The Twilio simulator, when started (the Worker's Twilio client points at it either way). */
  twilio: TwilioSimulator | undefined;
  /** The simulated Twilio account's Auth Token (signs its webhooks). */
  twilioAuthToken: string;
  /** The VoxImplant simulator and the media bridge, when started. */
  voximplant: VoximplantSimulator | undefined;
  bridge: BridgeProcess | undefined;
  /** The Lago simulator billing runs through (BILLING_DRIVER=lago), when asked for. */
  lago: LagoSimulator | undefined;
  stop(): Promise<void>;
}

/** Embedded database (migrated and seeded) plus the Worker in wrangler dev, wired together. */
export async function startLocalStack(opts: {
  port: number;
  /** Holds the dev issuer key, the env file and wrangler's local state. */
  workDir: string;
  /** Persist PGlite here; in memory when unset. */
  pgDataDir?: string;
  pgPort?: number;
  proxyPort?: number;
  quiet?: boolean;
  /** Also start the voice runtime with the local media transport on this port. */
  runtimeMediaPort?: number;
  /** Extra environment for the Worker (e.g. shorter timeouts in tests). */
  workerEnv?: Record<string, string>;
  /** Extra environment for the voice runtime (e.g. LLM_BASE_URL / LLM_API_KEY of a fake OpenAI-compatible server). */
  runtimeEnv?: Record<string, string>;
  /** Also start the Twilio simulator (in this process) on this port (0 = any free port). */
  twilioSimulatorPort?: number;
  /** Also seed the demo VoxImplant connection and start the VoxImplant simulator (in this process)
   *  and, with the runtime, the media bridge (its own process) on these ports (0 = any free port). */
  voximplant?: { simulatorPort: number; bridgePort: number };
  /** Bill through the Lago simulator (in this process, on this port; 0 = any free port), provisioned
   *  once the Worker is up; the Worker's /__scheduled runs the cron on demand (wrangler --test-scheduled). */
  lago?: { simulatorPort: number };
}): Promise<LocalStack> {
  const url = `http://127.0.0.1:${opts.port}`;
  const issuer = `${url}/dev/oidc`;
  // The Twilio simulator's port is known before the Worker starts: the Worker's Twilio client points at it.
  const twilioPort = opts.twilioSimulatorPort === undefined ? undefined : opts.twilioSimulatorPort || (await freePort());
  const voxPorts = opts.voximplant ? { simulator: opts.voximplant.simulatorPort || (await freePort()), bridge: opts.voximplant.bridgePort || (await freePort()) } : undefined;
  const lagoPort = opts.lago ? opts.lago.simulatorPort || (await freePort()) : undefined;
  const bridgeUrl = voxPorts ? `ws://127.0.0.1:${voxPorts.bridge}/v1/voximplant/media` : undefined;
  // The ports other processes will bind only after the Worker is up stay held until then.
  const held = new Map<string, () => Promise<void>>();
  const releaseAll = async () => {
    for (const release of held.values()) await release();
  };
  const release = async (name: string) => held.get(name)?.();
  try {
    for (const [name, port] of [["runtime", opts.runtimeMediaPort], ["twilio", twilioPort], ["bridge", voxPorts?.bridge], ["voximplant", voxPorts?.simulator], ["lago", lagoPort]] as const) {
      if (port) held.set(name, await holdPort(port));
    }
  } catch (err) {
    await releaseAll();
    throw err;
  }
  const database = await startEmbeddedDatabase({ dataDir: opts.pgDataDir, externalUrl: process.env["DATABASE_URL"], port: opts.pgPort, proxyPort: opts.proxyPort }).catch(async (err: unknown) => {
    await releaseAll();
    throw err;
  });
  const seed = createDatabase({ url: database.databaseUrl, localProxy: database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  const secretsKey = localSecretsKey(opts.workDir, "secrets.key");
  const twilioAuthToken = simulatedAuthToken(opts.workDir);
  const voxAccount = opts.voximplant ? simulatedVoximplantAccount(opts.workDir) : undefined;
  const { spaceId, agentId } = await (async () => {
    const demo = await seedDemo(seed.db, issuer, () => newId("user"));
    await seedDemoTelephony(seed.db, secretsKey, twilioAuthToken);
    if (voxAccount) await seedDemoVoximplant(seed.db, secretsKey, voxAccount);
    return demo;
  })().finally(() => seed.close());
  const envFile = join(ensureDir(opts.workDir), "dev.vars");
  const runtimeTokenSecret = localSecretsKey(opts.workDir, "runtime-token.key");
  writeEnvFile(envFile, {
    DATABASE_URL: database.databaseUrl,
    DB_LOCAL_PROXY: database.localProxy,
    OIDC_ISSUER: issuer,
    DEV_TOOLS_ENABLED: "true",
    DEV_OIDC_PRIVATE_JWK: await devIssuerKey(opts.workDir),
    PUBLIC_URL: url,
    SECRETS_KEY: secretsKey,
    // The embedded default's Twilio is the simulator (simulators/twilio); production uses https://api.twilio.com.
    ...(twilioPort !== undefined ? { TWILIO_API_BASE_URL: `http://127.0.0.1:${twilioPort}` } : {}),
    // The embedded default's VoxImplant is the simulator (simulators/voximplant) and the local media bridge.
    ...(voxPorts && bridgeUrl ? { VOXIMPLANT_API_BASE_URL: `http://127.0.0.1:${voxPorts.simulator}`, VOXIMPLANT_BRIDGE_URL: bridgeUrl } : {}),
    RUNTIME_TOKEN_SECRET: runtimeTokenSecret,
    ...(opts.runtimeMediaPort !== undefined ? { RUNTIME_MEDIA_URL: `ws://127.0.0.1:${opts.runtimeMediaPort}/v1/media` } : {}),
    // Billing's production path through the Lago simulator (simulators/lago); the default is the local ledger.
    ...(lagoPort !== undefined ? lagoWorkerEnv(lagoPort, simulatedLagoKeys(opts.workDir)) : {}),
    ...opts.workerEnv,
  });
  let worker: WorkerProcess;
  try {
    worker = await startWorker({ port: opts.port, envFile, persistTo: join(opts.workDir, "wrangler"), quiet: opts.quiet, testScheduled: lagoPort !== undefined });
  } catch (err) {
    await releaseAll();
    await database.close();
    throw err;
  }
  let runtime: VoiceRuntimeProcess | undefined;
  let twilio: TwilioSimulator | undefined;
  let voximplant: VoximplantSimulator | undefined;
  let bridge: BridgeProcess | undefined;
  let lago: LagoSimulator | undefined;
  // What started stops in reverse order, also when a later part fails to start.
  const stopAll = async () => {
    await releaseAll();
    await lago?.close();
    await voximplant?.close();
    await bridge?.stop();
    await twilio?.close();
    await runtime?.stop();
    await worker.stop();
    await database.close();
  };
  try {
    if (opts.runtimeMediaPort !== undefined) {
      await release("runtime");
      runtime = await startVoiceRuntime({ apiUrl: url, tokenSecret: runtimeTokenSecret, mediaPort: opts.runtimeMediaPort, recordingsDir: join(opts.workDir, "recordings"), dataDir: join(opts.workDir, "runtime"), quiet: opts.quiet, ...(opts.runtimeEnv ? { env: opts.runtimeEnv } : {}) });
    }
    if (twilioPort !== undefined) {
      await release("twilio");
      twilio = await startDemoTwilioSimulator({ workerUrl: url, authToken: twilioAuthToken, port: twilioPort, quiet: opts.quiet });
    }
    if (voxAccount && voxPorts && bridgeUrl) {
      await release("bridge");
      if (runtime) bridge = await startBridge({ port: voxPorts.bridge, tokenSecret: runtimeTokenSecret, runtimeMediaUrl: runtime.mediaUrl, quiet: opts.quiet });
      await release("voximplant");
      voximplant = await startDemoVoximplantSimulator({ workerUrl: url, bridgeUrl, account: voxAccount, port: voxPorts.simulator, quiet: opts.quiet });
    }
    if (lagoPort !== undefined) {
      await release("lago");
      lago = await startDemoLago({ port: lagoPort, keys: simulatedLagoKeys(opts.workDir), workerUrl: url, quiet: opts.quiet });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    url,
    issuer,
    database,
    worker,
    runtime,
    twilio,
    voximplant,
    bridge,
    lago,
    twilioAuthToken,
    demoSpaceId: spaceId,
    demoAgentId: agentId,
    stop: stopAll,
  };
}
