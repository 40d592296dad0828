// Turn handling from the agent's settings, and the end-of-turn model run in-process on real flite
// speech: the library's detector stream takes the frames (16 kHz web, 8 kHz phone) and our
// executor answers its predictions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asLanguageCode, inference } from "@livekit/agents";
import { AudioFrame } from "@livekit/rtc-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TurnSettings, type RuntimeConfig } from "@speaknode/contracts";
import type { z } from "zod";
import { runtimeConfig, sessionId } from "../../test/fixtures.ts";
import { speak } from "../../test/speak.ts";
import { localEotExecutor, warmTurnDetection } from "./turn-eot.ts";
import { sttSegmentationVad, turnHandlingFor, turnPlanFor } from "./turn-handling.ts";

function configWith(turn: z.input<typeof TurnSettings>, vad: Partial<RuntimeConfig["agent"]["vad"]> = {}): RuntimeConfig {
  const config = runtimeConfig({ sessionId: sessionId() });
  return { ...config, agent: { ...config.agent, vad: { ...config.agent.vad, minSilenceMs: 550, ...vad }, turn: TurnSettings.parse(turn) } };
}

describe("turn handling from the agent's settings", () => {
  it("ends turns with the end-of-turn model between the minimum and maximum delays, the VAD's silence cut to the minimum", () => {
    const plan = turnPlanFor(configWith({ minEndpointingDelayMs: 300, maxEndpointingDelayMs: 2000 }), { phone: false }, "en-US");
    expect(plan.semantic).toBe(true);
    expect(plan.handling.turnDetection).toBeInstanceOf(inference.TurnDetector);
    expect(plan.handling.endpointing).toEqual({ mode: "fixed", minDelay: 300, maxDelay: 2000 });
    expect(plan.vad.minSilenceMs).toBe(300);
    expect(sttSegmentationVad(plan)).toEqual(plan.vad);
  });

  it("never shortens the VAD's silence below what the library needs beside the model", () => {
    const plan = turnPlanFor(configWith({ minEndpointingDelayMs: 0 }), { phone: false }, "en-US");
    expect(plan.vad.minSilenceMs).toBe(250);
  });

  it("falls back to the VAD's silence for a language the model does not know", () => {
    const plan = turnPlanFor(configWith({}), { phone: false }, "ru-RU");
    expect(plan.semantic).toBe(false);
    expect(plan.handling.turnDetection).toBe("vad");
    expect(plan.vad.minSilenceMs).toBe(550);
  });

  it("keeps the VAD's timing in vad mode", () => {
    const handling = turnHandlingFor(configWith({ detection: "vad" }));
    expect(handling.turnDetection).toBe("vad");
    expect(handling.endpointing).toMatchObject({ minDelay: 200, maxDelay: 3000 });
  });

  it("takes the phone's overrides on phone calls only", () => {
    const config = configWith({ minEndpointingDelayMs: 250, phone: { minEndpointingDelayMs: 400, maxEndpointingDelayMs: 3000, minInterruptionDurationMs: 350 } });
    expect(turnHandlingFor(config, { phone: true })).toMatchObject({ endpointing: { minDelay: 400, maxDelay: 3000 }, interruption: { minDuration: 350 } });
    expect(turnHandlingFor(config, { phone: false })).toMatchObject({ endpointing: { minDelay: 250, maxDelay: 2500 }, interruption: { minDuration: 200 } });
  });

  it("pauses on voice and leaves the word rule to us when resuming is on; the library counts words when it is off", () => {
    const on = turnHandlingFor(configWith({ interruption: { minWords: 2 } }));
    expect(on.interruption).toMatchObject({ minWords: 0, resumeFalseInterruption: true, falseInterruptionTimeout: 1000 });
    const off = turnHandlingFor(configWith({ interruption: { minWords: 2, resumeFalseInterruption: false } }));
    expect(off.interruption).toMatchObject({ minWords: 2, resumeFalseInterruption: false });
  });

  it("starts replies preemptively when the setting is on, never the speech synthesis", () => {
    expect(turnHandlingFor(configWith({})).preemptiveGeneration).toEqual({ enabled: true, preemptiveTts: false });
    expect(turnHandlingFor(configWith({ preemptiveGeneration: false })).preemptiveGeneration.enabled).toBe(false);
  });
});

describe("the end-of-turn model in-process", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "speaknode-eot-"));
    expect(await warmTurnDetection()).toBe(true);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The library's detector stream, fed `text` spoken then 250 ms of silence, asked as at a pause. */
  async function probabilityOf(text: string, rateHz: 8000 | 16000): Promise<{ probability: number; pcmSamples: number[] }> {
    const pcmSamples: number[] = [];
    const executor = {
      doInference: async (method: string, data: unknown) => {
        const pcm = (data as { pcm: string }).pcm;
        pcmSamples.push(Buffer.from(pcm, "base64").byteLength / 2);
        return localEotExecutor.doInference(method, data);
      },
    };
    const detector = new inference.TurnDetector({ version: "v1-mini", executor });
    const stream = detector.stream();
    const samples = new Int16Array([...speak(text, dir, rateHz), ...new Int16Array(rateHz / 4)]);
    const frame = rateHz / 50;
    for (let at = 0; at + frame <= samples.length; at += frame) stream.pushAudio(new AudioFrame(samples.slice(at, at + frame), rateHz, 1, frame));
    // The frames reach the transport's buffer through the stream's channel.
    await new Promise((r) => setTimeout(r, 100));
    const event = await stream.predict().await;
    await stream.aclose();
    return { probability: event.endOfTurnProbability, pcmSamples };
  }

  it("is confident a finished sentence ended the turn, and unsure about one cut off mid-thought", async () => {
    const threshold = await new inference.TurnDetector({ version: "v1-mini", executor: localEotExecutor }).unlikelyThreshold(asLanguageCode("en"));
    expect(threshold).toBeCloseTo(0.36, 2);
    const done = await probabilityOf("thank you goodbye", 16_000);
    const cut = await probabilityOf("so I was thinking that maybe we could", 16_000);
    expect(done.probability).toBeGreaterThan(threshold ?? 1);
    expect(cut.probability).toBeLessThan(threshold ?? 0);
  }, 30_000);

  it("judges phone audio at 8 kHz after the library resamples it to the model's 16 kHz", async () => {
    const { probability, pcmSamples } = await probabilityOf("thank you goodbye", 8000);
    // The model's 1.2 s window at 16 kHz, full: the 8 kHz frames were resampled.
    expect(pcmSamples).toEqual([19_200]);
    expect(probability).toBeGreaterThan(0.36);
  }, 30_000);
});
