// What the browser tests and the browser bench share: real headless Chromium (Debian's, driven by
// playwright-core), a fake microphone that speaks a flite phrase, a host page on its own origin,
// and an init script that watches the page: the widget's state events, the launcher click, the
// microphone's level and the audio the page sends to its speakers.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { readWav } from "../voice-runtime/src/audio/wav.ts";
import { root } from "../scripts/lib.ts";
import { chromiumPath } from "../scripts/system-packages.ts";

export { chromiumPath };
export const artifactsDir = join(root, "e2e", "artifacts");

/**
 * A fake-microphone WAV of `text` in flite's rms voice (the one pocketsphinx recognises), 48 kHz
 * mono 16-bit (Chromium captures other formats as silence, without an error), after `leadS` of
 * silence. Throws if the file came out silent.
 */
export function speechWav(dir: string, text: string, leadS: number, tailS = 0.5): string {
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, "flite.wav");
  const out = join(dir, "mic.wav");
  if (spawnSync("flite", ["-voice", "rms", "-t", text, "-o", raw]).status !== 0) throw new Error("flite is needed: apt-get install flite");
  if (spawnSync("sox", [raw, "-r", "48000", "-c", "1", "-b", "16", out, "pad", String(leadS), String(tailS)]).status !== 0) throw new Error("sox is needed: apt-get install sox");
  const { samples } = readWav(out);
  let sum = 0;
  for (const s of samples) sum += s * s;
  if (Math.sqrt(sum / Math.max(1, samples.length)) < 100) throw new Error(`${out} is silent`);
  return out;
}

/** A silent fake-microphone WAV: the default fake device beeps, which a VAD takes for speech. */
export function silentWav(dir: string, seconds: number): string {
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "silence.wav");
  if (spawnSync("sox", ["-n", "-r", "48000", "-c", "1", "-b", "16", out, "trim", "0", String(seconds)]).status !== 0) throw new Error("sox is needed: apt-get install sox");
  return out;
}

export interface LaunchOptions {
  /** Speak this WAV into the fake microphone (once). */
  micWav?: string;
  /** `grant`: the permission prompt is accepted; `deny`: refused; no device at all: `none`. */
  mic: "grant" | "deny" | "none";
}

export async function launchChromium(o: LaunchOptions): Promise<Browser> {
  const args = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
  ];
  if (o.mic !== "none") args.push("--use-fake-device-for-media-stream");
  if (o.mic === "grant" || o.mic === "none") args.push("--use-fake-ui-for-media-stream");
  if (o.mic === "deny") args.push("--deny-permission-prompts");
  if (o.micWav) args.push(`--use-file-for-fake-audio-capture=${o.micWav}%noloop`);
  return chromium.launch({ executablePath: chromiumPath, args });
}

/** Serves one HTML page on 127.0.0.1 (a customer's site: another origin than the Worker). */
export async function startHostPage(html: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if ((req.url ?? "/").split("?")[0] !== "/") {
      res.writeHead(req.url === "/favicon.ico" ? 204 : 404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export function hostPageHtml(workerUrl: string, agentId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
<style>body{font-family:system-ui,sans-serif;margin:40px;color:#222}</style></head>
<body><h1>Acme shop</h1><p>Questions about your order? Talk to us.</p>
<speacknode-agent agent-id="${agentId}"></speacknode-agent>
<script src="${workerUrl}/speaknode-widget-loader.js" async></script>
</body></html>`;
}

/** One change of the element's state, at `atMs` on the page's clock (performance.now()). */
export interface StateMark {
  state: string;
  error: string | null;
  message: string | null;
  atMs: number;
}

export interface PageWatch {
  states: StateMark[];
  clickAtMs: number | null;
  /** When the page first sent audible sound (RMS > 0.01) to an AudioContext's speakers. */
  firstAudioAtMs: number | null;
  audioPeakRms: number;
  micPeakRms: number;
}

// Plain JavaScript run in every page before its own scripts. The widget exposes nothing for
// tests: the page's audio graph is tapped where it reaches a destination (an AnalyserNode on the
// side, which Chromium pulls without being connected onwards), and getUserMedia is wrapped to
// measure what the fake microphone delivers.
const watchScript = `(() => {
  const w = { states: [], clickAtMs: null, firstAudioAtMs: null, audioPeakRms: 0, micPeakRms: 0 };
  window.__snWatch = w;
  addEventListener("click", () => { if (w.clickAtMs === null) w.clickAtMs = performance.now(); }, true);
  addEventListener("speaknode-state", (e) => {
    const d = e.detail || {};
    w.states.push({ state: d.state, error: d.error ?? null, message: d.message ?? null, atMs: performance.now() });
    if (window.__snStateSeen) window.__snStateSeen(d.state);
  }, true);
  const rmsOf = (an, buf) => { an.getFloatTimeDomainData(buf); let s = 0; for (const v of buf) s += v * v; return Math.sqrt(s / buf.length); };
  const connect = AudioNode.prototype.connect;
  const taps = new WeakMap();
  AudioNode.prototype.connect = function (dest, ...rest) {
    const result = connect.call(this, dest, ...rest);
    if (dest instanceof AudioDestinationNode) {
      let an = taps.get(this.context);
      if (!an) {
        an = this.context.createAnalyser();
        an.fftSize = 1024;
        taps.set(this.context, an);
        const buf = new Float32Array(an.fftSize);
        setInterval(() => {
          const rms = rmsOf(an, buf);
          if (rms > w.audioPeakRms) w.audioPeakRms = rms;
          if (rms > 0.01 && w.firstAudioAtMs === null) w.firstAudioAtMs = performance.now();
        }, 5);
      }
      connect.call(this, an);
    }
    return result;
  };
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      const stream = await gum(constraints);
      try {
        const ctx = new AudioContext();
        const an = ctx.createAnalyser();
        connect.call(ctx.createMediaStreamSource(stream), an);
        const buf = new Float32Array(an.fftSize);
        setInterval(() => { const rms = rmsOf(an, buf); if (rms > w.micPeakRms) w.micPeakRms = rms; }, 20);
      } catch {}
      return stream;
    };
  }
})();`;

/** Installs the watch on a page (before navigation); `onState` hears each state once it happens. */
export async function watchPage(page: Page, onState?: (state: string) => void): Promise<void> {
  await page.exposeFunction("__snStateSeen", (state: string) => onState?.(state));
  await page.addInitScript({ content: watchScript });
}

export async function readWatch(page: Page): Promise<PageWatch> {
  return (await page.evaluate("window.__snWatch")) as PageWatch;
}

/** Waits until the element's `data-state` is one of `states` (or the timeout passes). */
export async function waitForState(page: Page, states: string[], timeoutMs: number): Promise<string> {
  const selector = states.map((s) => `speacknode-agent[data-state="${s}"]`).join(", ");
  await page.waitForSelector(selector, { state: "attached", timeout: timeoutMs });
  return (await page.getAttribute("speacknode-agent", "data-state")) ?? "";
}

/** Waits until the element has stayed in `state` for `forMs` on end. */
export async function settleInState(page: Page, state: string, forMs: number, timeoutMs: number): Promise<void> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  let since: number | null = null;
  // The states seen, to say what the widget did instead (the last ones).
  const seen: string[] = [];
  while (Date.now() < deadline) {
    const now = (await page.getAttribute("speacknode-agent", "data-state")) ?? "";
    if (seen.at(-1)?.split("@")[0] !== now) seen.push(`${now}@${Math.round((Date.now() - start) / 100) / 10}s`);
    if (now !== state) since = null;
    else if (since === null) since = Date.now();
    else if (Date.now() - since >= forMs) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the widget did not settle in "${state}" within ${timeoutMs} ms (states: ${seen.slice(-30).join(", ")})`);
}

/** The session id of the widget's dispatch, as the page received it. */
export function captureSessionId(page: Page): Promise<string> {
  return new Promise((resolve) => {
    page.on("response", (res) => {
      if (res.request().method() === "POST" && /\/public\/agents\/[^/]+\/sessions$/.test(new URL(res.url()).pathname) && res.status() === 201) {
        void res.json().then((body: { sessionId: string }) => resolve(body.sessionId));
      }
    });
  });
}

export interface SessionDetailView {
  status: string;
  endReason: string | null;
  turns: { role: string; text: string }[];
  toolCalls: { name: string; status: string }[];
  recordings: unknown[];
}

export async function sessionDetail(base: string, token: string, sessionId: string): Promise<SessionDetailView> {
  const res = await fetch(`${base}/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /v1/sessions/${sessionId}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SessionDetailView;
}

/**
 * Signs `page` in to the dashboard at `${base}/app/` through the Worker's development issuer: the
 * app redirects to the issuer's sign-in page, the seeded user named `userName` is picked there, and
 * the app's callback exchanges the code. Resolves once the app is back on its own origin past the
 * callback (where it lands depends on the app: /app/ goes on to a space's agents).
 */
export async function signInToDashboard(page: Page, base: string, userName = "Olivia Owner", opts: { screenshot?: string } = {}): Promise<void> {
  await page.goto(`${base}/app/`);
  await page.waitForURL((u) => u.pathname.startsWith("/dev/oidc/"), { timeout: 20_000 });
  const who = page.getByRole("button", { name: new RegExp(userName) });
  await who.waitFor({ timeout: 20_000 });
  if (opts.screenshot) await page.screenshot({ path: opts.screenshot });
  await who.click();
  await page.waitForURL((u) => u.pathname.startsWith("/app/") && !u.pathname.startsWith("/app/signin/"), { timeout: 20_000 });
}

/** A browser context of its own for `userName` (kept in `contexts` to close), signed in; page errors go to `pageErrors`. */
export async function signedInPage(browser: Browser, base: string, userName: string, keep: { contexts: BrowserContext[]; pageErrors: string[] }, opts: { acceptDownloads?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...opts });
  keep.contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (err) => keep.pageErrors.push(`${userName}: ${err.message}`));
  await signInToDashboard(page, base, userName);
  return page;
}

// ---- Conversations at the page: a scripted caller and when each side was heard ---------------

/** One utterance of a scripted caller and the silence after it. */
export interface CallerLine {
  text: string;
  pauseAfterS: number;
}

/**
 * A fake-microphone WAV of several flite (`rms`) utterances, each followed by its pause, after
 * `leadS` of silence (the greeting plays meanwhile: the file starts when the page opens the
 * microphone).
 */
export function conversationWav(dir: string, lines: CallerLine[], leadS: number): string {
  const parts = [silentWav(dir, leadS), ...lines.map((line, i) => speechWav(join(dir, `line-${i}`), line.text, 0, line.pauseAfterS))];
  const out = join(dir, "conversation.wav");
  if (spawnSync("sox", [...parts, out]).status !== 0) throw new Error("sox is needed: apt-get install sox");
  return out;
}

/** The microphone or the page's speakers turned loud (RMS > 0.01) or quiet, on the page's clock. */
export interface VoiceMark {
  source: "mic" | "agent";
  loud: boolean;
  /** performance.now(); for `loud: false`, the last reading that was still loud. */
  atMs: number;
}

// Like watchScript, a side AnalyserNode where the page's audio reaches its speakers and one on
// the microphone's stream, but it keeps every loud/quiet change instead of a peak: the caller's
// end of speech and the agent's first audio of each turn, both as the page hears them. 512
// samples (~11 ms at 48 kHz) read every 5 ms: every sample is seen while timers keep up.
const voiceWatchScript = `(() => {
  const v = { marks: [] };
  window.__snVoice = v;
  const track = (source, an) => {
    an.fftSize = 512;
    const buf = new Float32Array(an.fftSize);
    let loud = false;
    let lastLoudAt = 0;
    setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let s = 0;
      for (const x of buf) s += x * x;
      const now = performance.now();
      if (Math.sqrt(s / buf.length) > 0.01) {
        if (!loud) v.marks.push({ source, loud: true, atMs: now });
        loud = true;
        lastLoudAt = now;
      } else if (loud) {
        loud = false;
        v.marks.push({ source, loud: false, atMs: lastLoudAt });
      }
    }, 5);
  };
  const connect = AudioNode.prototype.connect;
  const taps = new WeakMap();
  AudioNode.prototype.connect = function (dest, ...rest) {
    const result = connect.call(this, dest, ...rest);
    if (dest instanceof AudioDestinationNode) {
      let an = taps.get(this.context);
      if (!an) {
        an = this.context.createAnalyser();
        taps.set(this.context, an);
        track("agent", an);
      }
      connect.call(this, an);
    }
    return result;
  };
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      const stream = await gum(constraints);
      try {
        const ctx = new AudioContext();
        const an = ctx.createAnalyser();
        connect.call(ctx.createMediaStreamSource(stream), an);
        track("mic", an);
      } catch {}
      return stream;
    };
  }
})();`;

/** Installs the voice watch on a page (before navigation). */
export async function watchVoice(page: Page): Promise<void> {
  await page.addInitScript({ content: voiceWatchScript });
}

export async function readVoiceMarks(page: Page): Promise<VoiceMark[]> {
  return (await page.evaluate("window.__snVoice.marks")) as VoiceMark[];
}

/** A stretch of sound from one side, on the page's clock. */
export interface SoundSpan {
  startMs: number;
  endMs: number;
}

/**
 * `source`'s loud stretches, joining those less than `joinMs` apart (the pauses inside a
 * sentence); one still loud when the marks were read ends at Infinity.
 */
export function soundSpans(marks: VoiceMark[], source: VoiceMark["source"], joinMs: number): SoundSpan[] {
  const spans: SoundSpan[] = [];
  const close = (startMs: number, endMs: number) => {
    const last = spans.at(-1);
    if (last && startMs - last.endMs < joinMs) last.endMs = endMs;
    else spans.push({ startMs, endMs });
  };
  let open: number | null = null;
  for (const mark of marks.filter((m) => m.source === source).sort((a, b) => a.atMs - b.atMs)) {
    if (mark.loud) open ??= mark.atMs;
    else if (open !== null) {
      close(open, mark.atMs);
      open = null;
    }
  }
  if (open !== null) close(open, Number.POSITIVE_INFINITY);
  return spans;
}
