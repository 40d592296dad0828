import { afterEach, describe, expect, it } from "vitest";
import { AudioOutput, type PlaybackFinishedEvent, type PlaybackProgressedEvent } from "@livekit/agents";
import { setLogLevel } from "../../log.ts";
import { LocalAudioOutput } from "./audio-output.ts";
import { constantBackground, framesOf, level, recordingSink, sleep } from "./testing.ts";

setLogLevel("error");

const rate = 16_000;
const frameSamples = 320; // 20 ms

function setup(options: { leadFrames?: number } = {}) {
  const sink = recordingSink();
  const output = new LocalAudioOutput({ sampleRateHz: rate, frameMs: 20, sink, ...options });
  const started: number[] = [];
  const finished: PlaybackFinishedEvent[] = [];
  const progressed: PlaybackProgressedEvent[] = [];
  output.on(AudioOutput.EVENT_PLAYBACK_STARTED, (ev: { createdAt: number }) => started.push(ev.createdAt));
  output.on(AudioOutput.EVENT_PLAYBACK_FINISHED, (ev: PlaybackFinishedEvent) => finished.push(ev));
  output.on(AudioOutput.EVENT_PLAYBACK_PROGRESSED, (ev: PlaybackProgressedEvent) => progressed.push(ev));
  outputs.push(output);
  return { sink, output, started, finished, progressed };
}

const outputs: LocalAudioOutput[] = [];
afterEach(() => {
  for (const output of outputs.splice(0)) output.dispose();
});

async function capture(output: LocalAudioOutput, samples: Int16Array, sampleRateHz = rate): Promise<void> {
  for (const frame of framesOf(samples, sampleRateHz)) await output.captureFrame(frame);
}

describe("LocalAudioOutput", () => {
  it("sends audio captured faster than real time paced at real time, a few frames ahead", async () => {
    const { sink, output, started, finished } = setup();
    await capture(output, level(1000, 1000, rate));
    output.flush();
    const t0 = Date.now();
    // The lead goes out at once, and no more than it.
    expect(sink.audio.length).toBeLessThanOrEqual(3);
    const playout = await output.waitForPlayout();
    const playoutMs = Date.now() - t0;

    expect(sink.audio).toHaveLength(50);
    expect(sink.audio.every((a) => a.samples.length === frameSamples)).toBe(true);
    const sendSpan = sink.audio.at(-1)!.atMs - sink.audio[0]!.atMs;
    // 47 frames after the lead, 20 ms apart: ~940 ms.
    expect(sendSpan).toBeGreaterThan(800);
    expect(sendSpan).toBeLessThan(1500);
    expect(playoutMs).toBeGreaterThan(900);
    expect(playoutMs).toBeLessThan(1600);
    expect(playout).toEqual({ playbackPosition: 1, interrupted: false });
    expect(started).toHaveLength(1);
    expect(finished).toEqual([{ playbackPosition: 1, interrupted: false }]);
  });

  it("sends a mark right after the last frame of each segment", async () => {
    const { sink, output } = setup();
    await capture(output, level(1000, 100, rate));
    output.flush();
    await output.waitForPlayout();
    await capture(output, level(1000, 50, rate));
    output.flush();
    await output.waitForPlayout();

    const marks = sink.controls.filter((c) => c.message.type === "mark");
    expect(marks.map((c) => c.message)).toEqual([
      { type: "mark", name: "seg-1" },
      { type: "mark", name: "seg-2" },
    ]);
    // 100 ms + 50 ms (the last frame of the second one padded to 60 ms): 8 frames.
    expect(sink.audio).toHaveLength(8);
    expect(marks[0]!.atMs).toBeGreaterThanOrEqual(sink.audio[4]!.atMs);
  });

  it("on clearBuffer drops the queue at once, sends clear and reports an interrupted position", async () => {
    const { sink, output, finished } = setup();
    await capture(output, level(1000, 2000, rate));
    output.flush();
    await sleep(300);
    const clearedAt = Date.now();
    const sentBefore = sink.audio.length;
    output.clearBuffer();
    const playout = await output.waitForPlayout();
    await sleep(100);

    expect(sink.controls.at(-1)?.message).toEqual({ type: "clear" });
    expect(sink.audio.length).toBe(sentBefore);
    const lastVoiceAt = sink.audio.at(-1)!.atMs;
    console.log(`barge-in (sender): last voice frame sent ${lastVoiceAt - clearedAt} ms after clearBuffer(); ${sentBefore} frames sent before it`);
    expect(playout.interrupted).toBe(true);
    // ~300 ms played; the frames in the client's buffer (the lead) do not count.
    expect(playout.playbackPosition).toBeGreaterThan(0.15);
    expect(playout.playbackPosition).toBeLessThan(0.6);
    expect(playout.playbackPosition).toBeLessThan((sentBefore * 20) / 1000);
    expect(finished).toHaveLength(1);
  });

  it("clears a segment that is still being captured, and counts the next capture as a new one", async () => {
    const { output, finished } = setup();
    await capture(output, level(1000, 200, rate));
    output.clearBuffer();
    expect(finished).toEqual([expect.objectContaining({ interrupted: true })]);
    await capture(output, level(1000, 40, rate));
    output.flush();
    const playout = await output.waitForPlayout();
    expect(playout).toEqual({ playbackPosition: 0.04, interrupted: false });
    expect(finished).toHaveLength(2);
  });

  it("mixes the background under the voice and keeps sending it through silence", async () => {
    const { sink, output } = setup();
    output.setBackground(constantBackground(1000, rate), 0.5);
    await sleep(200);
    const silenceFrames = sink.audio.length;
    // ~10 frames in 200 ms, plus the lead.
    expect(silenceFrames).toBeGreaterThanOrEqual(8);
    expect(silenceFrames).toBeLessThanOrEqual(16);
    expect(sink.audio.every((a) => a.samples.every((s) => s === 500))).toBe(true);

    await capture(output, level(2000, 100, rate));
    await capture(output, level(32_500, 40, rate));
    output.flush();
    await output.waitForPlayout();
    await sleep(100);
    const levels = sink.audio.map((a) => a.samples[0]);
    expect(levels.filter((l) => l === 2500)).toHaveLength(5);
    // Saturating add: 32500 + 500 clips at the PCM16 maximum.
    expect(levels.filter((l) => l === 32_767)).toHaveLength(2);
    expect(levels.at(-1)).toBe(500);

    output.setBackground(null, 0);
    const framesWhenOff = sink.audio.length;
    await sleep(100);
    expect(sink.audio.length).toBe(framesWhenOff);
  });

  it("resamples frames that arrive at another rate", async () => {
    const { output } = setup();
    await capture(output, level(1000, 500, 24_000), 24_000);
    output.flush();
    const playout = await output.waitForPlayout();
    expect(playout.interrupted).toBe(false);
    expect(playout.playbackPosition).toBeGreaterThan(0.45);
    expect(playout.playbackPosition).toBeLessThan(0.55);
  });

  it("reports each continuous run of voice when the voice arrives slower than real time", async () => {
    const { output, progressed, started } = setup();
    await capture(output, level(1000, 100, rate));
    await sleep(250);
    await capture(output, level(1000, 100, rate));
    output.flush();
    await output.waitForPlayout();
    expect(started).toHaveLength(1);
    expect(progressed.map((p) => [p.offset, p.duration])).toEqual([
      [0, 100],
      [100, 100],
    ]);
    expect(progressed[1]!.startedAt - progressed[0]!.startedAt).toBeGreaterThan(200);
  });

  it("holds the voice while paused, keeps the background going, and goes on where it stopped on resume", async () => {
    const { sink, output, finished } = setup();
    output.setBackground(constantBackground(100, rate), 1);
    await capture(output, level(1000, 400, rate));
    output.flush();
    await sleep(100);
    output.pause();
    const voiceAtPause = sink.audio.filter((a) => a.samples[0] === 1100).length;
    await sleep(200);
    const voiceWhilePaused = sink.audio.filter((a) => a.samples[0] === 1100).length;
    expect(voiceWhilePaused).toBe(voiceAtPause);
    expect(sink.audio.at(-1)!.samples[0]).toBe(100);
    expect(finished).toHaveLength(0);
    output.resume();
    await expect(output.waitForPlayout()).resolves.toEqual({ playbackPosition: 0.4, interrupted: false });
    expect(sink.audio.filter((a) => a.samples[0] === 1100)).toHaveLength(20);
  });

  it("sends none of a paused reply that is resumed and cleared in the same turn of the event loop", async () => {
    // The library's order when a barge-in drops a paused reply: resume, the reply's last frame
    // captured, then clear (agent_activity.js cancelSpeechPause, then the reply task).
    const { sink, output, finished } = setup();
    await capture(output, level(1000, 400, rate));
    await sleep(100);
    output.pause();
    const sentAtPause = sink.audio.length;
    await sleep(100);
    output.resume();
    await Promise.resolve();
    await capture(output, level(1000, 20, rate));
    output.flush();
    await Promise.resolve();
    output.clearBuffer();
    await sleep(200);
    expect(sink.audio).toHaveLength(sentAtPause);
    expect(finished).toEqual([expect.objectContaining({ interrupted: true })]);
    // The output is not left paused: the next reply plays.
    await capture(output, level(2000, 100, rate));
    output.flush();
    await expect(output.waitForPlayout()).resolves.toEqual({ playbackPosition: 0.1, interrupted: false });
    expect(sink.audio.filter((a) => a.samples[0] === 2000)).toHaveLength(5);
  });

  it("settles every pending segment when disposed, and finishes later segments at once", async () => {
    const { output, finished } = setup();
    await capture(output, level(1000, 1000, rate));
    output.flush();
    output.dispose();
    await expect(output.waitForPlayout()).resolves.toEqual(expect.objectContaining({ interrupted: true }));
    await capture(output, level(1000, 100, rate));
    output.flush();
    await expect(output.waitForPlayout()).resolves.toEqual({ playbackPosition: 0, interrupted: true });
    expect(finished).toHaveLength(2);
  });
});
