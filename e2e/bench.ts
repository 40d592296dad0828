// The widget's part of `npm run bench`: the gzipped size of what a host page loads on every view
// (the loader) and on the first click (the widget), and how long a visitor waits from clicking the
// launcher to hearing the agent, measured in real headless Chromium against a whole local stack
// (embedded database, wrangler dev, the voice runtime with offline speech) started here.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { demoAgentId } from "@speaknode/db";
import { buildPublicAssets, freePort, startLocalStack, publicAssetsDir } from "../scripts/lib.ts";
import { fmt, summary } from "../scripts/bench/stats.ts";
import { hostPageHtml, launchChromium, readWatch, silentWav, startHostPage, waitForState, watchPage } from "./lib.ts";

const runs = 5;

const gzipBytes = (file: string): number => gzipSync(readFileSync(join(publicAssetsDir, file)), { level: 9 }).length;

export function widgetSizes(): string[] {
  const files = readdirSync(publicAssetsDir).filter((f) => f.endsWith(".js"));
  const lines = [
    `BENCH widget.loader_gzip_bytes=${gzipBytes("speaknode-widget-loader.js")} bytes`,
    `BENCH widget.bundle_gzip_bytes=${gzipBytes("speaknode-widget.js")} bytes`,
  ];
  if (files.includes("speaknode-livekit.js")) lines.push(`BENCH widget.livekit_gzip_bytes=${gzipBytes("speaknode-livekit.js")} bytes`);
  lines.push("(gzip -9 of widget/dist as built by `npm run build`: the loader every page view loads; the widget the first click loads; the LiveKit client only the LiveKit media driver loads)");
  return lines;
}

/** Click → first agent audio, `runs` visits of a host page on another origin, one browser. */
export async function widgetLatencyBench(): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), "speaknode-widget-bench-"));
  const stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  const host = await startHostPage(hostPageHtml(stack.url, demoAgentId));
  // A silent microphone: the fake device's default beep would be heard as speech.
  const browser = await launchChromium({ mic: "grant", micWav: silentWav(scratch, 30) });
  const toAudio: number[] = [];
  const toSpeaking: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await watchPage(page);
      await page.goto(`${host.url}?customer_name=Ada`);
      await waitForState(page, ["idle"], 20_000);
      // A visitor reads the page before clicking: by then the loader has fetched the widget chunk
      // while the page was idle (no request for 500 ms).
      await page.waitForLoadState("networkidle");
      await page.locator("speacknode-agent").getByRole("button").first().click();
      await page.waitForFunction("window.__snWatch.firstAudioAtMs !== null", undefined, { timeout: 30_000 });
      await waitForState(page, ["speaking"], 5_000);
      const watch = await readWatch(page);
      const speaking = watch.states.find((s) => s.state === "speaking");
      if (watch.clickAtMs === null || watch.firstAudioAtMs === null || !speaking) throw new Error("the page missed the click, the audio or the speaking state");
      toAudio.push(watch.firstAudioAtMs - watch.clickAtMs);
      toSpeaking.push(speaking.atMs - watch.clickAtMs);
      await page.locator("speacknode-agent").getByRole("button", { name: "End call" }).click().catch(() => undefined);
      await context.close();
    }
  } finally {
    await browser.close();
    await host.close();
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  const audio = summary(toAudio);
  const speaking = summary(toSpeaking);
  return [
    `BENCH widget.click_to_first_audio_ms=${fmt(audio.p50, 0)} ms`,
    `BENCH widget.click_to_speaking_state_ms=${fmt(speaking.p50, 0)} ms`,
    `(median of ${runs} visits, each a fresh page on another origin than the Worker, headless Chromium, clicked once the page's network is idle, with the microphone already allowed (Chromium's fake prompt); from performance.now() at the launcher's click to the first audible output (RMS > 0.01) seen by an AnalyserNode tapped where the page's audio graph reaches its speakers, and to the element's first data-state="speaking"; includes the dispatch, the runtime joining and the first message's audio; all runs: ${toAudio.map((v) => fmt(v, 0)).join(", ")} ms)`,
  ];
}

if (process.argv[1] === import.meta.filename) {
  buildPublicAssets({ quiet: true });
  for (const line of widgetSizes()) console.log(line);
  for (const line of await widgetLatencyBench()) console.log(line);
  process.exit(0);
}
