// `npx node scripts/profile-worker.ts [dispatch|healthz|agent] [requests]`: a CPU profile of the Worker
// (and the Durable Objects it hosts: one workerd isolate) while 20 clients send one route of a local
// stack of its own. Writes a .cpuprofile (open it in Chrome DevTools → Performance, or any
// V8-profile viewer) and prints the functions that used the most CPU, by self and by total time.
//
// It attaches through wrangler's inspector proxy (the target whose debugger URL ends in /ws); the
// proxy accepts DevTools' origin only, and workerd's own per-worker inspector never answers
// Profiler.enable. Native work (RPC, storage, WebSocket sends) is counted to the JS frame calling it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { freePort, startLocalStack } from "./lib.ts";
import { load, token } from "./bench/api.ts";
import { putSpaceOnBenchPlan } from "./bench/billing.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const routeName = process.argv[2] ?? "dispatch";
const requests = Number(process.argv[3] ?? 200);
if (!["dispatch", "healthz", "agent"].includes(routeName) || !Number.isInteger(requests) || requests < 20 || requests % 20 !== 0) {
  console.error("usage: npx node scripts/profile-worker.ts [dispatch|healthz|agent] [requests: a multiple of 20, default 200]");
  process.exit(2);
}

/** The ports listening on 127.0.0.1 (IPv4), from the kernel's table: no tool needed. */
function listeningPorts(): number[] {
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1]?.startsWith("0100007F:") && f[3] === "0A")
    .map((f) => parseInt(f[1]!.slice(9), 16));
}

/** wrangler's inspector proxy: the listening port (of workerd) whose /json lists a `/ws` target. */
async function inspectorUrl(): Promise<string> {
  for (const port of listeningPorts()) {
    try {
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(1000) })).json()) as { webSocketDebuggerUrl?: string }[];
      const proxy = Array.isArray(targets) ? targets.find((t) => t.webSocketDebuggerUrl?.endsWith("/ws")) : undefined;
      if (proxy?.webSocketDebuggerUrl) return proxy.webSocketDebuggerUrl;
    } catch {
      // not an inspector
    }
  }
  throw new Error("wrangler's inspector proxy was not found among the listening ports");
}

function inspector(url: string): Promise<{ call(method: string, params?: object): Promise<unknown>; close(): void }> {
  const socket = new WebSocket(url, { origin: "https://devtools.devprod.cloudflare.dev" });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on("message", (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("open", () =>
      resolve({
        call: (method, params = {}) =>
          new Promise((done, fail) => {
            const id = ++next;
            const timer = setTimeout(() => fail(new Error(`${method}: no answer`)), 60_000);
            waiting.set(id, (result) => (clearTimeout(timer), waiting.delete(id), done(result)));
            socket.send(JSON.stringify({ id, method, params }));
          }),
        close: () => socket.close(),
      }),
    );
  });
}

function top(profile: CpuProfile, count: number): string[] {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop() ?? ""}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(id);
    if (!leaf) return;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame && !seen.has(name(frame))) seen.add(name(frame)), total.set(name(frame), (total.get(name(frame)) ?? 0) + us);
    }
  });
  const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, us]) => `  ${(us / 1000 / requests).toFixed(3).padStart(8)} ms/request  ${k}`);
  return ["self:", ...rows(self), "total:", ...rows(total)];
}

const workDir = mkdtempSync(join(tmpdir(), "speaknode-profile-"));
const stack = await startLocalStack({ port: await freePort(), workDir, quiet: true });
try {
  await putSpaceOnBenchPlan(stack.url, stack.demoSpaceId);
  const auth = { authorization: `Bearer ${await token(stack.url)}`, "content-type": "application/json" };
  const routes: Record<string, [string, RequestInit]> = {
    dispatch: [`${stack.url}/v1/agents/${stack.demoAgentId}/sessions`, { method: "POST", headers: auth, body: JSON.stringify({ variables: { customer_name: "Profile" } }) }],
    healthz: [`${stack.url}/healthz`, {}],
    agent: [`${stack.url}/v1/agents/${stack.demoAgentId}`, { headers: auth }],
  };
  const [url, init] = routes[routeName]!;
  await load(url, init, 3);
  const devtools = await inspector(await inspectorUrl());
  await devtools.call("Profiler.enable");
  await devtools.call("Profiler.setSamplingInterval", { interval: 200 });
  await devtools.call("Profiler.start");
  await load(url, init, requests / 20);
  const { profile } = (await devtools.call("Profiler.stop")) as { profile: CpuProfile };
  devtools.close();
  const file = join(process.cwd(), `worker-${routeName}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`${requests} × ${routeName} by 20 clients; profile written to ${file} (line numbers are of wrangler's bundle)`);
  for (const line of top(profile, 25)) console.log(line);
} finally {
  await stack.stop();
  rmSync(workDir, { recursive: true, force: true });
}
