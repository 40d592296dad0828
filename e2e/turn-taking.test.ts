// Turn-taking as a website visitor meets it, in real headless Chromium against the whole local
// stack with the demo agent on the offline providers: the second call's greeting plays from the
// greeting cache (no speech synthesis on the call), and a caller who pauses mid-sentence is
// waited for: one user turn, and no agent sound at the page until the sentence is finished.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { demoAgentId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import {
  captureSessionId,
  conversationWav,
  hostPageHtml,
  launchChromium,
  readVoiceMarks,
  sessionDetail,
  settleInState,
  silentWav,
  soundSpans,
  startHostPage,
  waitForState,
  watchVoice,
  type SessionDetailView,
  type VoiceMark,
} from "./lib.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-turn-e2e-"));
let stack: LocalStack;
let host: { url: string; close(): Promise<void> };
const browsers: Browser[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  host = await startHostPage(hostPageHtml(stack.url, demoAgentId));
});

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await host?.close();
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

interface TurnView {
  role: string;
  text: string;
  metrics: Record<string, unknown>;
}

interface CallResult {
  turns: TurnView[];
  marks: VoiceMark[];
}

/** One call from a fresh page with `micWav` in the fake microphone: `during` runs while it is on, then the caller hangs up and the session is awaited. */
async function call(micWav: string, during: (page: Page) => Promise<void>): Promise<CallResult> {
  const browser = await launchChromium({ mic: "grant", micWav });
  browsers.push(browser);
  const page = await (await browser.newContext()).newPage();
  await watchVoice(page);
  const sessionIdP = captureSessionId(page);
  await page.goto(`${host.url}?customer_name=Ada`);
  await waitForState(page, ["idle"], 20_000);
  await page.locator("speacknode-agent").getByRole("button").first().click();
  await waitForState(page, ["speaking"], 30_000);
  await during(page);
  const marks = await readVoiceMarks(page);
  await page.locator("speacknode-agent").getByRole("button", { name: "End call" }).click();
  await waitForState(page, ["ended", "idle"], 20_000);
  const sessionId = await sessionIdP;
  const ownerToken = await token(stack.url);
  let detail: SessionDetailView = await sessionDetail(stack.url, ownerToken, sessionId);
  for (let i = 0; i < 60 && detail.status !== "completed" && detail.status !== "failed"; i++) {
    await sleep(500);
    detail = await sessionDetail(stack.url, ownerToken, sessionId);
  }
  expect(detail.status).toBe("completed");
  await browser.close();
  return { turns: detail.turns as TurnView[], marks };
}

describe("turn-taking in a web call", () => {
  it("plays the second call's greeting from the greeting cache the first call filled", async () => {
    const quiet = silentWav(join(scratch, "quiet"), 40);
    // The greeting plays out, then the caller hangs up.
    const untilGreeted = (page: Page) => settleInState(page, "listening", 1500, 40_000);
    const first = await call(quiet, untilGreeted);
    const second = await call(quiet, untilGreeted);
    const [firstGreeting, secondGreeting] = [first.turns[0], second.turns[0]];
    expect(firstGreeting?.role).toBe("agent");
    expect(secondGreeting?.role).toBe("agent");
    expect(secondGreeting?.text).toBe(firstGreeting?.text);
    // The seeded demo agent was never published through the API, so nothing warmed its greeting:
    // the first call synthesizes it (and fills the cache), the second plays the cached audio.
    expect(firstGreeting?.metrics["audioFromCache"] ?? false).toBe(false);
    expect(secondGreeting?.metrics, "the second call's greeting turn reports audioFromCache").toMatchObject({ audioFromCache: true });
  });

  it("waits for a caller who pauses mid-sentence: one user turn, and no agent sound before the sentence ends", async () => {
    // The first half ends on a word no sentence ends on: whatever the end-of-turn model hears in
    // flite's flat voice, the agent waits up to the demo's maximum delay (1.5 s) instead of the
    // 250 ms it takes after a finished sentence; the pause (with flite's own silences, ~0.8 s) is
    // longer than the VAD's 550 ms silence, so silence alone would have cut in. The margin to the
    // maximum delay is kept wide: on a loaded machine the VAD hears the second half late.
    const mic = conversationWav(
      join(scratch, "pause"),
      [
        { text: "I would like to order a", pauseAfterS: 0.5 },
        { text: "large pizza please", pauseAfterS: 20 },
      ],
      14,
    );
    const result = await call(mic, async (page) => {
      // Until both halves were heard and the agent has answered and gone quiet.
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const marks = await readVoiceMarks(page);
        const caller = soundSpans(marks, "mic", 700);
        const last = caller[1];
        if (last && soundSpans(marks, "agent", 250).some((a) => a.startMs > last.endMs && Number.isFinite(a.endMs))) break;
        await sleep(500);
      }
      await settleInState(page, "listening", 1500, 90_000);
    });
    const caller = soundSpans(result.marks, "mic", 700);
    expect(caller, "the page heard both halves of the sentence, apart").toHaveLength(2);
    const [firstHalf, secondHalf] = caller as [(typeof caller)[0], (typeof caller)[0]];
    const agent = soundSpans(result.marks, "agent", 250);
    const cutIn = agent.filter((a) => a.startMs >= firstHalf.startMs && a.startMs <= secondHalf.endMs);
    const rel = (ms: number) => Math.round(ms - firstHalf.startMs);
    const where = `caller ${rel(firstHalf.startMs)}–${rel(firstHalf.endMs)} and ${rel(secondHalf.startMs)}–${rel(secondHalf.endMs)} ms; agent ${agent.map((a) => `${rel(a.startMs)}–${rel(a.endMs)}`).join(", ")} ms`;
    expect(cutIn, `agent sound between the start and the end of the caller's sentence (${where})`).toEqual([]);
    expect(agent.some((a) => a.startMs > secondHalf.endMs), "the agent answered after the sentence").toBe(true);
    const userTurns = result.turns.filter((t) => t.role === "user");
    expect(userTurns.length, `user turns of the call: ${JSON.stringify(result.turns.map((t) => ({ role: t.role, text: t.text, metrics: t.metrics })))}`).toBe(1);
  });
});
