// Checks deploy/ against the code it deploys, without Docker: the compose file parses, every image
// it builds has its Dockerfile and everything that Dockerfile copies, the runtime's image installs
// the Debian packages the runtime needs (scripts/system-packages.ts), the environment given to the
// runtime and the bridge is exactly what their config modules read and is accepted by them, and
// the ports agree with livekit/livekit.yaml and livekit/sip.yaml.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { scope as dashboardScope } from "../dashboard/src/auth/oidc.ts";
import { defaultClientId } from "../dashboard/src/config.ts";
import { requirements } from "../scripts/system-packages.ts";
import { loadSettings } from "../voice-runtime/src/config.ts";
import { loadBridgeSettings } from "../voice-runtime/src/bridge/config.ts";

const deployDir = import.meta.dirname;
const repoRoot = resolve(deployDir, "..");
const read = (path: string) => readFileSync(join(deployDir, path), "utf8");

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  network_mode?: string;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string }[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
}
const compose = parse(read("speaknode.compose.yaml")) as { services: Record<string, Service> };
const livekitYaml = parse(read("livekit/livekit.yaml")) as {
  port: number;
  rtc: { tcp_port: number; port_range_start: number; port_range_end: number };
  redis: { address: string };
};
const sipYaml = parse(read("livekit/sip.yaml")) as Record<string, unknown> & { redis: { address: string }; sip_port: number; rtp_port: string; health_port: number };

/** KEY=value lines of an env file; `# KEY=value` lines are documented options and count too. */
function envFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read(path).split("\n")) {
    const m = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = m[2] ?? "";
  }
  return out;
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error} (which must be set). */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string | undefined) => {
    const v = vars[name];
    if (v !== undefined && v !== "") return v;
    if (op === "?") throw new Error(`${name} is required: ${arg ?? ""}`);
    return op === "-" ? (arg ?? "") : "";
  });
}

// deploy/.env as an operator fills it in: the example's values, secrets filled.
const filledEnv: Record<string, string> = {
  ...envFile(".env.example"),
  LIVEKIT_API_KEY: "APIexample",
  LIVEKIT_API_SECRET: "example-livekit-secret-of-32-characters",
  RUNTIME_TOKEN_SECRET: "example-runtime-token-secret-32-chars!",
};

function serviceEnv(name: string): Record<string, string> {
  const env = compose.services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), filledEnv)]));
}

/** The names a config loader reads from its env object: every property it looks up. */
function namesRead(load: (env: Record<string, string | undefined>) => unknown, env: Record<string, string>): Set<string> {
  const seen = new Set<string>();
  const probe = new Proxy(env, {
    get(target, key) {
      if (typeof key === "string") seen.add(key);
      return Reflect.get(target, key) as unknown;
    },
  });
  load(probe);
  return seen;
}

/** `ENV A=1 B=2` names of a Dockerfile, and its COPY sources. */
function dockerfile(path: string) {
  const text = readFileSync(path, "utf8").replace(/\\\n/g, " ");
  const lines = text.split("\n").map((l) => l.trim());
  const envNames = lines.filter((l) => l.startsWith("ENV ")).flatMap((l) => [...l.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1] ?? ""));
  const copies = lines.filter((l) => l.startsWith("COPY ")).flatMap((l) => l.slice(5).trim().split(/\s+/).slice(0, -1));
  const aptPackages = lines.filter((l) => l.includes("apt-get install")).flatMap((l) => l.split(/\s+/).filter((w) => /^[a-z0-9][a-z0-9.+-]+$/.test(w)));
  return { envNames, copies, aptPackages };
}

/** The workspace packages a workspace imports, and theirs. */
function workspaceClosure(dir: string): Set<string> {
  const byName = new Map<string, string>();
  for (const name of ["contracts", "db", "phone", "signing", "ssrf", "tokens"]) {
    const manifest = join(repoRoot, "packages", name, "package.json");
    if (existsSync(manifest)) byName.set((JSON.parse(readFileSync(manifest, "utf8")) as { name: string }).name, `packages/${name}`);
  }
  const out = new Set<string>();
  const visit = (d: string) => {
    const deps = (JSON.parse(readFileSync(join(repoRoot, d, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const dep of Object.keys(deps)) {
      const path = byName.get(dep);
      if (path && !out.has(path)) {
        out.add(path);
        visit(path);
      }
    }
  };
  visit(dir);
  return out;
}

/** Every workspace folder of the root package.json (globs like packages/* expanded). */
function workspaceDirs(): string[] {
  const globs = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { workspaces: string[] }).workspaces;
  return globs.flatMap((g) => {
    if (!g.endsWith("/*")) return [g];
    const base = g.slice(0, -2);
    return byDir(base).map((n) => `${base}/${n}`);
  }).filter((d) => existsSync(join(repoRoot, d, "package.json")));
}
const byDir = (d: string) => readdirSync(join(repoRoot, d)).filter((n) => statSync(join(repoRoot, d, n)).isDirectory());

const urlPort = (url: string) => Number(new URL(url).port);

describe("deploy/speaknode.compose.yaml", () => {
  it("pins every image it pulls to a version", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.build) continue;
      expect(svc.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(svc.image, name).not.toMatch(/:latest$/);
    }
  });

  it("builds each image from a Dockerfile that exists, copying only paths that exist", () => {
    const built = Object.entries(compose.services).filter(([, s]) => s.build);
    expect(built.map(([n]) => n).sort()).toEqual(["bridge", "runtime"]);
    for (const [name, svc] of built) {
      const context = resolve(deployDir, svc.build?.context ?? "");
      const file = join(context, svc.build?.dockerfile ?? "");
      expect(existsSync(file), `${name}: ${file}`).toBe(true);
      for (const src of dockerfile(file).copies) expect(existsSync(join(context, src)), `${name} copies ${src}`).toBe(true);
    }
  });

  it("copies every workspace manifest (npm ci needs them) and every workspace package the runtime imports", () => {
    const needed = workspaceClosure("voice-runtime");
    expect(needed).toContain("packages/contracts");
    for (const name of ["runtime", "bridge"]) {
      const svc = compose.services[name];
      const copies = dockerfile(join(resolve(deployDir, svc?.build?.context ?? ""), svc?.build?.dockerfile ?? "")).copies;
      for (const dir of workspaceDirs()) expect(copies, `${name}: ${dir}/package.json`).toContain(`${dir}/package.json`);
      for (const dir of [...needed, "voice-runtime"]) expect(copies, `${name}: ${dir}`).toContain(dir);
    }
  });

  it("installs the runtime's speech engines: the Debian packages scripts/system-packages.ts names", () => {
    const runtime = compose.services["runtime"];
    const { aptPackages } = dockerfile(join(resolve(deployDir, runtime?.build?.context ?? ""), runtime?.build?.dockerfile ?? ""));
    for (const pkg of requirements.speech.packages) expect(aptPackages).toContain(pkg);
  });

  it("gives the runtime only settings voice-runtime/src/config.ts reads, and the runtime accepts them", () => {
    const runtime = compose.services["runtime"];
    const fromFile = envFile("runtime.env.example");
    const { envNames } = dockerfile(join(resolve(deployDir, runtime?.build?.context ?? ""), runtime?.build?.dockerfile ?? ""));
    const env = { ...serviceEnv("runtime"), LLM_BASE_URL: "http://127.0.0.1:11434/v1" };
    const reads = namesRead(loadSettings, env);
    for (const name of [...Object.keys(serviceEnv("runtime")), ...Object.keys(fromFile), ...envNames.filter((n) => !n.startsWith("ONNX") && !n.startsWith("npm_") && n !== "NODE_ENV")]) {
      expect(reads, name).toContain(name);
    }
    const settings = loadSettings(env);
    expect(settings).toMatchObject({ transport: "livekit", media: { host: "0.0.0.0" }, dataDir: "/var/lib/speaknode" });
    // The container's health check asks the port the runtime listens on.
    expect(runtime?.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${settings.media.port}/healthz`);
    expect(urlPort(settings.livekit?.url ?? "")).toBe(livekitYaml.port);
  });

  it("gives the bridge only settings its config reads, and it joins the same LiveKit", () => {
    const bridge = compose.services["bridge"];
    const env = serviceEnv("bridge");
    const reads = namesRead(loadBridgeSettings, env);
    for (const name of Object.keys(env)) expect(reads, name).toContain(name);
    const settings = loadBridgeSettings(env);
    expect(settings.sink).toMatchObject({ driver: "livekit" });
    if (settings.sink.driver === "livekit") expect(urlPort(settings.sink.url)).toBe(livekitYaml.port);
    expect(bridge?.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${settings.port}/healthz`);
  });

  it("points LiveKit SIP at the LiveKit server and both at the one Redis, with keys only from the environment", () => {
    const sipEnv = serviceEnv("sip");
    expect(urlPort(sipEnv["LIVEKIT_WS_URL"] ?? "")).toBe(livekitYaml.port);
    for (const key of ["api_key", "api_secret", "ws_url"]) expect(sipYaml, key).not.toHaveProperty(key);
    expect(sipEnv["SIP_CONFIG_FILE"]).toBe(compose.services["sip"]?.volumes?.[0]?.split(":")[1]);
    const redisCommand = compose.services["redis"]?.command ?? [];
    const redisAddress = `${redisCommand[redisCommand.indexOf("--bind") + 1]}:${redisCommand[redisCommand.indexOf("--port") + 1]}`;
    expect(livekitYaml.redis.address).toBe(redisAddress);
    expect(sipYaml.redis.address).toBe(redisAddress);
    expect(serviceEnv("livekit")["LIVEKIT_KEYS"]).toBe(`${filledEnv["LIVEKIT_API_KEY"]}: ${filledEnv["LIVEKIT_API_SECRET"]}`);
  });

  it("uses each of the machine's ports once across the host-network services", () => {
    const runtime = loadSettings(serviceEnv("runtime"));
    const bridge = loadBridgeSettings(serviceEnv("bridge"));
    const redisCommand = compose.services["redis"]?.command ?? [];
    const [rtpStart, rtpEnd] = sipYaml.rtp_port.split("-").map(Number);
    const ranges: [string, number, number][] = [
      ["livekit", livekitYaml.port, livekitYaml.port],
      ["livekit rtc tcp", livekitYaml.rtc.tcp_port, livekitYaml.rtc.tcp_port],
      ["livekit rtc udp", livekitYaml.rtc.port_range_start, livekitYaml.rtc.port_range_end],
      ["sip", sipYaml.sip_port, sipYaml.sip_port],
      ["sip rtp", rtpStart ?? 0, rtpEnd ?? 0],
      ["sip health", sipYaml.health_port, sipYaml.health_port],
      ["redis", Number(redisCommand[redisCommand.indexOf("--port") + 1]), Number(redisCommand[redisCommand.indexOf("--port") + 1])],
      ["runtime http", runtime.media.port, runtime.media.port],
      // The LiveKit agents framework's own health server.
      ["runtime agents health", runtime.livekit?.healthPort ?? 0, runtime.livekit?.healthPort ?? 0],
      ["bridge", bridge.port, bridge.port],
      ...(compose.services["keycloak"]?.ports ?? []).map((p): [string, number, number] => ["keycloak", Number(p.split(":").at(-2)), Number(p.split(":").at(-2))]),
    ];
    for (const [name, start, end] of ranges) expect(start > 0 && end >= start, name).toBe(true);
    for (const [i, a] of ranges.entries()) {
      for (const b of ranges.slice(i + 1)) expect(a[2] < b[1] || b[2] < a[1], `${a[0]} overlaps ${b[0]}`).toBe(true);
    }
    for (const name of ["redis", "livekit", "sip", "runtime", "bridge"]) expect(compose.services[name]?.network_mode, name).toBe("host");
  });

  it("mounts the Keycloak realm export and passes every placeholder it uses", () => {
    const keycloak = compose.services["keycloak"];
    const mount = keycloak?.volumes?.find((v) => v.includes("speaknode-realm.json")) ?? "";
    const realmPath = join(deployDir, mount.split(":")[0] ?? "");
    expect(existsSync(realmPath)).toBe(true);
    expect(dirname(mount.split(":")[1] ?? "")).toBe("/opt/keycloak/data/import");
    const placeholders = [...readFileSync(realmPath, "utf8").matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] ?? "");
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders) expect(Object.keys(keycloak?.environment ?? {}), name).toContain(name);
  });

  it("offers the dashboard's client (its default id) every scope the dashboard asks for", () => {
    const realm = JSON.parse(read("keycloak/speaknode-realm.json")) as { clients: { clientId: string; defaultClientScopes: string[]; optionalClientScopes: string[] }[] };
    const client = realm.clients.find((c) => c.clientId === defaultClientId);
    const offered = new Set(["openid", ...(client?.defaultClientScopes ?? []), ...(client?.optionalClientScopes ?? [])]);
    for (const wanted of dashboardScope.split(" ")) expect(offered, wanted).toContain(wanted);
  });

  it("names every variable it requires in .env.example", () => {
    const required = [...read("speaknode.compose.yaml").matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1] ?? "");
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(Object.keys(envFile(".env.example")), name).toContain(name);
  });
});
