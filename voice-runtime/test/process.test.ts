// The whole embedded platform as processes: embedded Postgres, the Worker in wrangler dev (real
// workerd), and the voice runtime started as its own process. A caller dispatches the published
// demo agent through the public API and talks to it over the local WebSocket transport with a
// flite recording; the session must complete with turns, metrics and a recording in the API.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionDetail } from "@speaknode/contracts";
import type { z } from "zod";
import { token } from "../../scripts/bench/api.ts";
import { freePort, startLocalStack, type LocalStack } from "../../scripts/lib.ts";
import { readWav } from "../src/audio/wav.ts";
import { connectLocalMedia } from "../src/transport/local/client.ts";
import { speak } from "./speak.ts";


const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let stack: LocalStack;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "speaknode-process-"));
  stack = await startLocalStack({ port: await freePort(), workDir, quiet: true, runtimeMediaPort: await freePort() });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the voice runtime as a process", () => {
  it("talks with a caller over the local transport and leaves turns, metrics and a recording in the API", async () => {
    const dispatched = await fetch(`${stack.url}/public/agents/${stack.demoAgentId}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ variables: { customer_name: "Ada" } }),
    });
    expect(dispatched.status).toBe(201);
    const session = (await dispatched.json()) as { sessionId: string; media: { driver: string; url: string; token: string; sampleRateHz: number } };
    expect(session.media.driver).toBe("local");

    const caller = connectLocalMedia({ url: session.media.url, token: session.media.token, sampleRateHz: 16_000 });
    await caller.ready;
    // The greeting: "Hello Ada! This is the Speaknode demo…"
    await expect.poll(() => caller.received.length, { timeout: 20_000 }).toBeGreaterThan(20);
    await expect.poll(() => caller.marks.length, { timeout: 20_000 }).toBeGreaterThan(0);

    const speech = speak("hello, can you hear me", workDir);
    const silence = new Int16Array(16_000);
    const before = caller.received.length;
    await caller.streamPcm(speech, { realtime: true });
    await caller.streamPcm(silence, { realtime: true });
    // The agent answers.
    await expect.poll(() => caller.received.length, { timeout: 20_000 }).toBeGreaterThan(before + 10);
    const marksBefore = caller.marks.length;
    await expect.poll(() => caller.marks.length, { timeout: 30_000 }).toBeGreaterThan(marksBefore);
    await sleep(300);
    await caller.end("caller hung up");

    const auth = { authorization: `Bearer ${await token(stack.url)}` };
    let detail: z.infer<typeof SessionDetail> | undefined;
    await expect
      .poll(
        async () => {
          const res = await fetch(`${stack.url}/v1/sessions/${session.sessionId}`, { headers: auth });
          detail = SessionDetail.parse(await res.json());
          return detail.status === "completed" && detail.recordings.length > 0 ? "done" : detail.status;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe("done");
    if (!detail) throw new Error("no session detail");
    expect(detail.endReason).toBe("caller_hung_up");
    expect(detail.turns.length).toBeGreaterThanOrEqual(3);
    expect(detail.turns[0]).toMatchObject({ role: "agent", text: expect.stringContaining("Hello Ada") });
    const user = detail.turns.find((t) => t.role === "user");
    expect(user?.text).toMatch(/hello|hear/i);
    const reply = detail.turns.find((t) => t.role === "agent" && Date.parse(t.startedAt) > Date.parse(user?.startedAt ?? ""));
    expect(reply?.metrics.voiceToVoiceMs).toBeGreaterThan(0);
    expect(reply?.metrics.llmTtftMs).not.toBeNull();
    expect(reply?.metrics.ttsTtfbMs).toBeGreaterThan(0);
    expect(user?.metrics.endOfUtteranceDelayMs).not.toBeNull();
    expect(detail.recordings.map((r) => r.track).sort()).toEqual(["agent", "composite", "user"]);
    expect(detail.waveform?.peaks.length).toBeGreaterThan(0);
    expect(detail.tokenUsage.prompt).toBeGreaterThan(0);

    // The composite recording is a real WAV holding both sides (greeting + caller + reply).
    const composite = detail.recordings.find((r) => r.track === "composite");
    const wav = Buffer.from(await (await fetch(new URL(composite?.url ?? "", stack.url))).arrayBuffer());
    const audio = readWav(wav);
    expect(audio.samples.length / audio.sampleRateHz).toBeGreaterThan(3);
  }, 180_000);
});
