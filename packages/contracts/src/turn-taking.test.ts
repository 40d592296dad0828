import { describe, expect, it } from "vitest";
import { AgentConfig } from "./agents.ts";
import { backchannelsFor, defaultBackchannels, defaultTurnSettings, isBackchannel, TurnSettings, turnSettingsForChannel, transcriptWords } from "./turn-taking.ts";

const en = defaultBackchannels["en"] ?? [];

describe("backchannels", () => {
  it("recognises acknowledgements alone and in runs, whatever their case and punctuation", () => {
    for (const text of ["yeah", "Uh-huh.", "mm hmm", "okay, okay", "Yeah, right!", "I see", "got it"]) expect(isBackchannel(text, en), text).toBe(true);
  });

  it("does not take words that carry a request for a backchannel", () => {
    for (const text of ["stop", "wait, no", "yeah but no", "okay stop", "right now please", "no"]) expect(isBackchannel(text, en), text).toBe(false);
  });

  it("does not call silence a backchannel: no words is no speech", () => {
    expect(isBackchannel("", en)).toBe(false);
    expect(isBackchannel(" ... ", en)).toBe(false);
  });

  it("matches phrases word by word, so half of a phrase is not enough", () => {
    expect(isBackchannel("got", ["got it"])).toBe(false);
    expect(isBackchannel("got it got it", ["got it"])).toBe(true);
  });

  it("uses an agent's own list for a language instead of the built-in one, and the built-in one for the others", () => {
    const interruption = TurnSettings.parse({ interruption: { backchannels: { en: ["roger"] } } }).interruption;
    expect(backchannelsFor(interruption, "en-US")).toEqual(["roger"]);
    expect(backchannelsFor(interruption, "de-DE")).toEqual(defaultBackchannels["de"]);
    expect(backchannelsFor(interruption, "xx")).toEqual([]);
  });

  it("splits words on punctuation and hyphens but keeps apostrophes", () => {
    expect(transcriptWords("D'accord, uh-huh!")).toEqual(["d'accord", "uh", "huh"]);
  });
});

describe("turn settings", () => {
  it("default to semantic detection with preemptive replies on", () => {
    expect(defaultTurnSettings.detection).toBe("semantic");
    expect(defaultTurnSettings.preemptiveGeneration).toBe(true);
    expect(defaultTurnSettings.minEndpointingDelayMs).toBeLessThan(defaultTurnSettings.maxEndpointingDelayMs);
  });

  it("refuse a maximum delay below the minimum, also for the phone's overrides", () => {
    const web = TurnSettings.safeParse({ minEndpointingDelayMs: 800, maxEndpointingDelayMs: 500 });
    expect(web.success).toBe(false);
    expect(web.error?.issues[0]?.path).toEqual(["maxEndpointingDelayMs"]);
    const phone = TurnSettings.safeParse({ phone: { minEndpointingDelayMs: 3000 } });
    expect(phone.error?.issues[0]?.path).toEqual(["phone", "maxEndpointingDelayMs"]);
  });

  it("refuse backchannels that are not words and languages that are not base codes", () => {
    expect(TurnSettings.safeParse({ interruption: { backchannels: { en: ["<script>"] } } }).success).toBe(false);
    expect(TurnSettings.safeParse({ interruption: { backchannels: { "en-US": ["yeah"] } } }).success).toBe(false);
  });

  it("apply the phone's overrides to phone calls only", () => {
    const settings = TurnSettings.parse({ minEndpointingDelayMs: 200, phone: { minEndpointingDelayMs: 400, minInterruptionDurationMs: 300 } });
    expect(turnSettingsForChannel(settings, false)).toBe(settings);
    const phone = turnSettingsForChannel(settings, true);
    expect(phone.minEndpointingDelayMs).toBe(400);
    expect(phone.maxEndpointingDelayMs).toBe(settings.maxEndpointingDelayMs);
    expect(phone.interruption.minDurationMs).toBe(300);
  });

  it("are filled in for an agent saved before they existed", () => {
    const agent = AgentConfig.parse({
      name: "Old",
      llm: { provider: "scripted", model: "demo" },
      stt: { provider: "pocketsphinx", model: "en-us" },
      defaultLanguage: "en",
      locales: [{ language: "en", tts: { provider: "flite", model: "flite", voice: "rms" } }],
    });
    expect(agent.turn).toEqual(defaultTurnSettings);
  });
});

describe("the phone's endpointing check", () => {
  it("stays quiet when the phone overrides neither delay, so one mistake gives one error", () => {
    const result = TurnSettings.safeParse({ minEndpointingDelayMs: 800, maxEndpointingDelayMs: 500 });
    expect(result.error?.issues.map((i) => i.path)).toEqual([["maxEndpointingDelayMs"]]);
  });
});
