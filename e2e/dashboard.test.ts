// The admin dashboard in real headless Chromium against the whole local stack (embedded Postgres,
// the Worker in wrangler dev serving build/public/app, the voice runtime with offline speech), one
// walk through as the seeded owner: sign in through the development issuer, land on the demo
// space's agents, edit the demo agent's system prompt and save it (it survives a reload and the API
// agrees), publish a new version, then call the agent from its hosted page in a second tab of the
// same browser (a fake microphone speaks a flite phrase) and find that call in the sessions list
// and its detail: the caller's words, latency bars, the tool call, and a recording that loads and
// seeks from the transcript. Screenshots of each page go to e2e/artifacts/dashboard-*.png.
// The Worker serves the dashboard from build/public: build first (`npm run build`).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { demoAgentId, demoSpaceId } from "@speaknode/db";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";
import {
  artifactsDir,
  captureSessionId,
  launchChromium,
  readWatch,
  sessionDetail,
  settleInState,
  signInToDashboard,
  speechWav,
  waitForState,
  watchPage,
  type SessionDetailView,
} from "./lib.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-dashboard-"));
const shot = (name: string) => join(artifactsDir, `dashboard-${name}.png`);
const appendedSentence = "Always thank the caller for their patience.";
const versionNote = "e2e: thank the caller";
const agentsPath = `/app/spaces/${demoSpaceId}/agents`;
const editorPath = `${agentsPath}/${demoAgentId}`;

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
/** The dashboard's tab, signed in once and kept through the whole walk. */
let page: Page;
let ownerToken: string;
/** The session the hosted-page call created. */
let sessionId: string | null = null;
const pageErrors: string[] = [];
const consoleErrors: string[] = [];
const failedResponses: string[] = [];

beforeAll(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  for (const f of readdirSync(artifactsDir).filter((n) => n.startsWith("dashboard-"))) rmSync(join(artifactsDir, f), { force: true });
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  ownerToken = await token(stack.url);
  // The fake microphone belongs to the browser: only the call's tab opens it (the dashboard never
  // asks for it), and it speaks the question 8 s after the capture starts.
  const wav = speechWav(join(scratch, "mic"), "please check my order number forty two", 8);
  browser = await launchChromium({ mic: "grant", micWav: wav });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  // The development issuer's sign-in page has no icon: Chromium's /favicon.ico there is a 404.
  page.on("console", (m) => m.type() === "error" && !m.location().url.endsWith("/favicon.ico") && consoleErrors.push(`${m.text()} (${m.location().url})`));
  page.on("response", (r) => r.status() >= 400 && failedResponses.push(`${r.status()} ${r.request().method()} ${r.url()}`));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function getAgent(): Promise<{ systemPrompt: string; version: number; published: boolean; publishedVersion: number | null }> {
  const res = await fetch(`${stack.url}/v1/agents/${demoAgentId}`, { headers: { authorization: `Bearer ${ownerToken}` } });
  if (!res.ok) throw new Error(`GET /v1/agents/${demoAgentId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { systemPrompt: string; version: number; published: boolean; publishedVersion: number | null };
}

describe("the dashboard, as the space's owner", () => {
  it("signs in through the development issuer and lands on the demo space's agents", async () => {
    await signInToDashboard(page, stack.url, "Olivia Owner", { screenshot: shot("signin") });
    await page.waitForURL((u) => u.pathname === agentsPath, { timeout: 20_000 });
    const row = page.locator("table tbody tr", { has: page.getByRole("link", { name: "Demo receptionist" }) });
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.textContent()).toMatch(/Published v1/);
    await expect.poll(() => page.locator("header").textContent()).toMatch(/Olivia Owner/);
    await page.screenshot({ path: shot("agents") });
  });

  it("edits the system prompt, saves it with If-Match, and the change survives a reload (the API agrees)", async () => {
    const before = await getAgent();
    const saveRequests: { ifMatch: string | undefined; status: number }[] = [];
    page.on("response", (r) => {
      if (r.request().method() === "PUT" || r.request().method() === "PATCH") {
        if (new URL(r.url()).pathname === `/v1/agents/${demoAgentId}`) saveRequests.push({ ifMatch: r.request().headers()["if-match"], status: r.status() });
      }
    });

    await page.getByRole("link", { name: "Demo receptionist" }).click();
    await page.waitForURL((u) => u.pathname === editorPath);
    const prompt = page.locator(".prompt textarea");
    await prompt.waitFor();
    expect(await prompt.inputValue()).toBe(before.systemPrompt);
    await expect.poll(() => page.getByRole("tab", { selected: true }).textContent()).toBe("General");
    await page.screenshot({ path: shot("editor"), fullPage: true });

    await prompt.click();
    await prompt.press("End");
    await prompt.pressSequentially(` ${appendedSentence}`, { delay: 2 });
    expect(await prompt.inputValue()).toBe(`${before.systemPrompt} ${appendedSentence}`);
    await page.getByText("Unsaved changes").waitFor();
    const save = page.getByRole("button", { name: "Save", exact: true });
    expect(await save.isEnabled()).toBe(true);
    await save.click();
    await page.getByText("Unsaved changes").waitFor({ state: "detached", timeout: 15_000 });
    expect(saveRequests).toHaveLength(1);
    expect(saveRequests[0]?.status).toBe(200);
    expect(saveRequests[0]?.ifMatch).toContain(String(before.version));

    await page.reload();
    await page.locator(".prompt textarea").waitFor({ timeout: 20_000 });
    expect(await page.locator(".prompt textarea").inputValue()).toBe(`${before.systemPrompt} ${appendedSentence}`);
    await page.screenshot({ path: shot("editor-saved") });
    const after = await getAgent();
    expect(after.systemPrompt).toBe(`${before.systemPrompt} ${appendedSentence}`);
    expect(after.version).toBeGreaterThan(before.version);
  });

  it("publishes the saved draft as a new version, listed as live", async () => {
    const before = await getAgent();
    expect(before.published).toBe(true);
    const next = (before.publishedVersion ?? 0) + 1;
    await page.getByRole("tab", { name: "Publish" }).click();
    await page.getByRole("heading", { name: "Versions" }).waitFor();
    await page.getByLabel("Version note").fill(versionNote);
    await page.getByRole("button", { name: "Publish the draft" }).click();
    const row = page.locator("table tbody tr", { hasText: versionNote });
    await row.waitFor({ timeout: 15_000 });
    await expect.poll(() => row.textContent()).toMatch(new RegExp(`^v${next}\\s*live`));
    await expect.poll(() => page.locator(".editor h1 ~ .badge").first().textContent()).toBe(`Published v${next}`);
    await page.screenshot({ path: shot("publish"), fullPage: true });
    const after = await getAgent();
    expect(after.publishedVersion).toBe(next);
  });

  it("a call on the agent's hosted page, in a second tab, completes as a session", async () => {
    const call = await context.newPage();
    const callConsole: string[] = [];
    call.on("console", (m) => callConsole.push(`${m.type()}: ${m.text()}`));
    call.on("websocket", (ws) => ws.on("close", () => callConsole.push(`websocket closed: ${ws.url().split("?")[0]}`)));
    await watchPage(call);
    const sessionIdP = captureSessionId(call);
    await call.goto(`${stack.url}/a/${demoAgentId}?customer_name=Ada`);
    await waitForState(call, ["idle"], 20_000);
    await call.locator("speacknode-agent").getByRole("button").first().click();
    sessionId = await sessionIdP;
    await waitForState(call, ["speaking"], 30_000);
    // The fake microphone asks its question 8 s after the capture starts; wait for the answer and
    // the tool call, then for the answer to play out, and hang up.
    const deadline = Date.now() + 90_000;
    let detail: SessionDetailView = await sessionDetail(stack.url, ownerToken, sessionId);
    while (Date.now() < deadline) {
      const asked = detail.turns.findIndex((t) => t.role === "user" && /order/i.test(t.text));
      if (asked >= 0 && detail.turns.slice(asked + 1).some((t) => t.role === "agent") && detail.toolCalls.some((c) => c.name === "check_order")) break;
      await sleep(500);
      detail = await sessionDetail(stack.url, ownerToken, sessionId);
    }
    await settleInState(call, "listening", 2000, 40_000).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\nstates: ${JSON.stringify((await readWatch(call)).states)}\nconsole: ${callConsole.join("\n")}\nsession: ${JSON.stringify(detail)}`);
    });
    await call.screenshot({ path: shot("call") });
    await call.locator("speacknode-agent").getByRole("button", { name: "End call" }).click();
    await waitForState(call, ["ended", "idle"], 20_000);
    for (let i = 0; i < 60 && detail.status !== "completed" && detail.status !== "failed"; i++) {
      await sleep(500);
      detail = await sessionDetail(stack.url, ownerToken, sessionId);
    }
    expect(detail.status).toBe("completed");
    expect(detail.recordings.length).toBeGreaterThan(0);
    await call.close();
  });

  it("lists the call in the sessions, and its detail shows the words, latencies, the tool call and a recording that loads and seeks", async () => {
    if (!sessionId) throw new Error("no call was made");
    await page.bringToFront();
    await page.locator("header nav").getByRole("link", { name: "Sessions" }).click();
    await page.waitForURL((u) => u.pathname === `/app/spaces/${demoSpaceId}/sessions`);
    const linkSelector = `a[href$="/sessions/${sessionId}"]`;
    const link = page.locator(`table ${linkSelector}`);
    await link.waitFor({ timeout: 20_000 });
    const row = page.locator("table tbody tr", { has: page.locator(linkSelector) });
    await expect.poll(() => row.textContent()).toMatch(/Demo receptionist/);
    await expect.poll(() => row.textContent()).toMatch(/Completed/i);
    await page.screenshot({ path: shot("sessions") });

    await link.click();
    await page.waitForURL((u) => u.pathname.endsWith(`/sessions/${sessionId}`));
    const userTurn = page.locator(".transcript .turn.user", { hasText: /order/i }).first();
    await userTurn.waitFor({ timeout: 20_000 });
    expect(await page.locator(".transcript .turn.agent").first().textContent()).toContain("Ada");
    // The call ran on the version published above.
    expect(await page.locator("dl.meta").textContent()).toMatch(/Demo receptionist \(v2\)/);
    // Latency bars under the turns, each with a positive width.
    await page.locator(".transcript .latency .latency-bar").first().waitFor();
    const widths = await page.locator(".transcript .latency-bar").evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    expect(widths.length).toBeGreaterThan(0);
    expect(Math.max(...widths)).toBeGreaterThan(0);
    // The tool call, with its status.
    const tool = page.locator(".tool-call", { hasText: "check_order" });
    await tool.waitFor();
    expect(await tool.locator(".badge").textContent()).toBe("ok");

    // The recording: the audio element loads the signed link (same origin, WAV) and has a duration.
    const audio = page.locator(".player audio");
    await audio.waitFor();
    await page.waitForFunction(() => {
      const a = document.querySelector<HTMLAudioElement>(".player audio");
      return !!a && a.readyState >= HTMLMediaElement.HAVE_METADATA && a.duration > 0;
    }, undefined, { timeout: 20_000 });
    const duration = await audio.evaluate((a: HTMLAudioElement) => a.duration);
    expect(duration).toBeGreaterThan(1);
    const fetched = await page.evaluate(async () => {
      const src = document.querySelector<HTMLSourceElement>(".player audio source")?.src ?? "";
      const res = await fetch(src);
      return { src, status: res.status, contentType: res.headers.get("content-type"), bytes: (await res.arrayBuffer()).byteLength };
    });
    expect(fetched.status).toBe(200);
    expect(fetched.contentType).toMatch(/^audio\/(wav|x-wav|wave)/);
    expect(fetched.bytes).toBeGreaterThan(44);
    expect(await page.locator(".player svg.waveform rect").count()).toBeGreaterThan(0);
    await page.screenshot({ path: shot("session-detail"), fullPage: true });

    // Clicking a turn's time seeks the recording there (and plays from it).
    const seek = userTurn.locator(".turn-head button");
    const label = (await seek.textContent()) ?? "";
    expect(await audio.evaluate((a: HTMLAudioElement) => a.currentTime)).toBe(0);
    await seek.click();
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 5_000 }).toBeGreaterThan(1);
    const at = await audio.evaluate((a: HTMLAudioElement) => a.currentTime);
    // The button shows the turn's offset ("▶ 0:09"): the seek lands there (give or take the playback since).
    const m = /(\d+):(\d\d)/.exec(label);
    if (m) expect(Math.abs(at - (Number(m[1]) * 60 + Number(m[2])))).toBeLessThan(3);
    await audio.evaluate((a: HTMLAudioElement) => a.pause());
    await page.screenshot({ path: shot("session-detail-seeked") });
  });

  it("raised no page errors on the way", () => {
    expect(pageErrors).toEqual([]);
    expect({ consoleErrors, failedResponses }).toEqual({ consoleErrors: [], failedResponses: [] });
  });
});
