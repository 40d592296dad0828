// The lexical cue beside the end-of-turn model: which transcripts end mid-sentence, and the
// threshold the detector's stream hands the library's end-of-turn task after each final
// transcript (turn-audio.test.ts has the same on a real call).
import { asLanguageCode, voice } from "@livekit/agents";
import { afterEach, describe, expect, it } from "vitest";
import { continuationWords, ContinuationCue, ContinuationTurnDetector, endsMidSentence, HOLD_THRESHOLD } from "./turn-continuation.ts";
import { localEotExecutor } from "./turn-eot.ts";

describe("a transcript that ends mid-sentence", () => {
  it("ends on a conjunction, an article, a preposition, a possessive or a filler of its language", () => {
    expect(endsMidSentence("I would like to order a", "en-US")).toBe(true);
    expect(endsMidSentence("my number is five and", "en-GB")).toBe(true);
    expect(endsMidSentence("it's for my, um", "en")).toBe(true);
    expect(endsMidSentence("Ich hätte gern eine", "de-DE")).toBe(true);
    expect(endsMidSentence("quiero pedir una pizza con", "es-ES")).toBe(true);
    expect(endsMidSentence("je voudrais une pizza avec", "fr-FR")).toBe(true);
    expect(endsMidSentence("vorrei una pizza e", "it-IT")).toBe(true);
    expect(endsMidSentence("ik wil graag een", "nl-NL")).toBe(true);
    expect(endsMidSentence("eu quero uma pizza com", "pt-BR")).toBe(true);
  });

  it("does not end on a word that finishes sentences, or in a language without a list", () => {
    expect(endsMidSentence("a large pizza please", "en-US")).toBe(false);
    expect(endsMidSentence("Ich nehme das", "de-DE")).toBe(false);
    expect(endsMidSentence("and", "ru-RU")).toBe(false);
    expect(endsMidSentence("", "en-US")).toBe(false);
    // Every list is lowercase words as transcripts are split into.
    for (const words of Object.values(continuationWords)) for (const w of words) expect(w).toMatch(/^[\p{Ll}']+$/u);
  });
});

describe("the continuation turn detector", () => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((close) => close()));
  });

  function detectorStream() {
    const session = new voice.AgentSession({});
    let language = "en-US";
    const cue = new ContinuationCue(() => language);
    cue.attach(session);
    const detector = new ContinuationTurnDetector({ version: "v1-mini", executor: localEotExecutor }, cue);
    const stream = detector.stream();
    closing.push(() => stream.aclose());
    const final = (transcript: string) =>
      session.emit(voice.AgentSessionEventTypes.UserInputTranscribed, voice.createUserInputTranscribedEvent({ transcript, isFinal: true }));
    const interim = (transcript: string) =>
      session.emit(voice.AgentSessionEventTypes.UserInputTranscribed, voice.createUserInputTranscribedEvent({ transcript, isFinal: false }));
    return { stream, cue, final, interim, switchTo: (l: string) => (language = l) };
  }

  it("holds the turn while the latest final transcript ends mid-sentence, and hands back the model's threshold after", async () => {
    const { stream, cue, final, interim } = detectorStream();
    const model = await stream.unlikelyThreshold(asLanguageCode("en"));
    expect(model).toBeGreaterThan(0);
    expect(model).toBeLessThan(HOLD_THRESHOLD);
    final("I would like to order a");
    expect(cue.holds).toBe(true);
    expect(await stream.unlikelyThreshold(asLanguageCode("en"))).toBe(HOLD_THRESHOLD);
    // Interim words are not settled: the cue follows final transcripts only.
    interim("large pizza");
    expect(await stream.unlikelyThreshold(asLanguageCode("en"))).toBe(HOLD_THRESHOLD);
    final("large pizza please");
    expect(await stream.unlikelyThreshold(asLanguageCode("en"))).toBe(model);
  });

  it("reads the word list of the session's current language", async () => {
    const { stream, final, switchTo } = detectorStream();
    final("quiero una pizza con");
    expect(await stream.unlikelyThreshold(asLanguageCode("es"))).toBeLessThan(HOLD_THRESHOLD);
    switchTo("es-ES");
    expect(await stream.unlikelyThreshold(asLanguageCode("es"))).toBe(HOLD_THRESHOLD);
  });
});
