// The job as LiveKit really runs it: a process forked from @livekit/agents' job_proc_lazy_main
// with agent.ts as its argument, driven over IPC as the agent server's job executor drives it
// (initializeRequest, then startJobRequest). No LiveKit server can run here, so the room's URL
// refuses connections: the entry throws when it joins. The process must have set up its own trace
// export (nothing of main() runs in it), report the session failed, flush its spans and exit.
import { fork, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../../test/fixtures.ts";
import { crashedEvent } from "../../runtime-process.ts";

interface ExportedSpan {
  name: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function collector(): Promise<{ url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[] };
      spans.push(...body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans };
}

/** Forks a job process the way the agent server's job executor does. */
function forkJobProcess(env: Record<string, string>): { child: ChildProcess; messages: string[]; output: () => string; exited: Promise<number | null> } {
  const jobMain = new URL("./ipc/job_proc_lazy_main.js", import.meta.resolve("@livekit/agents"));
  const agentFile = fileURLToPath(new URL("./agent.ts", import.meta.url));
  const child = fork(jobMain, [agentFile], { execArgv: [], stdio: ["ignore", "pipe", "pipe", "ipc"], env: { PATH: process.env["PATH"] ?? "", ...env } });
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (c: Buffer) => chunks.push(c));
  child.stderr?.on("data", (c: Buffer) => chunks.push(c));
  const messages: string[] = [];
  child.on("message", (m: { case: string }) => messages.push(m.case));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  closers.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { child, messages, output: () => Buffer.concat(chunks).toString("utf8"), exited };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a LiveKit job process", () => {
  it("traces its job, and reports the session failed when the entry throws, before it exits", async () => {
    const api: FakeRuntimeApi = await startFakeRuntimeApi();
    closers.push(() => api.close());
    const otlp = await collector();
    const sessionId = newSessionId();
    api.sessions.set(sessionId, runtimeConfig({ sessionId }));
    // A port nothing listens on: joining the room fails at once.
    const roomUrl = "ws://127.0.0.1:9";
    const job = forkJobProcess({
      SPEAKNODE_API_URL: api.url,
      RUNTIME_TOKEN_SECRET: testTokenSecret,
      RUNTIME_TRANSPORT: "livekit",
      LIVEKIT_URL: roomUrl,
      LIVEKIT_API_KEY: "APIkey123",
      LIVEKIT_API_SECRET: "a-livekit-secret-of-at-least-32-characters",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlp.url,
      LOG_LEVEL: "warn",
    });
    job.child.send({ case: "initializeRequest", value: { loggerOptions: { pretty: false, level: "warn" }, pingInterval: 2000, pingTimeout: 10_000, highPingThreshold: 500, sessionEndTimeout: 60_000 } });
    await until(() => job.messages.includes("initializeResponse"), 30_000, "the job process to initialise");
    job.child.send({
      case: "startJobRequest",
      value: {
        runningJob: {
          acceptArguments: { name: "", identity: "agent-AJ_test", metadata: "" },
          job: { id: "AJ_test", agentName: "speaknode-agent", metadata: JSON.stringify({ sessionId }), room: { name: "speaknode-test-room", sid: "RM_test" } },
          url: roomUrl,
          token: "a-room-token",
          workerId: "AW_test",
        },
      },
    });
    const exitCode = await Promise.race([job.exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 30_000))]);

    expect(exitCode, job.output()).toBe(0);
    expect(job.messages).toContain("done");
    expect(api.eventsOf(sessionId)).toEqual([crashedEvent]);
    const jobSpan = otlp.spans.find((s) => s.name === "job_entrypoint");
    expect(jobSpan, "the job's span was exported before the process left").toBeDefined();
    expect(jobSpan?.attributes.find((a) => a.key === "speaknode.session.id")?.value.stringValue).toBe(sessionId);
    expect(job.output()).toContain('"message":"session crashed"');
  }, 60_000);
});
