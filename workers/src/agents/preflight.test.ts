// The pre-flight and provider readiness from given facts (no database): each finding, in words.
import { describe, expect, it } from "vitest";
import { AgentConfig, type RuntimeCapabilitiesBody } from "@speaknode/contracts";
import { agentBody } from "../../test/fixtures.ts";
import { preflightProblems, type PreflightFacts } from "./preflight.ts";
import { languageHandled, languageLabel, providerReadiness, providersReadiness, type CatalogEntry, type FreshReport } from "./readiness.ts";

const model = (kind: string, provider: string, name: string, languages: string[] = [], enabled = true): CatalogEntry => ({ kind, provider, model: name, enabled, offline: ["scripted", "pocketsphinx", "flite"].includes(provider), languages });
const catalog: CatalogEntry[] = [
  model("llm", "scripted", "demo"),
  model("llm", "openai-compatible", "gpt-4o-mini"),
  model("llm", "openrouter", "old/model", [], false),
  model("stt", "pocketsphinx", "en-us", ["en", "en-US"]),
  model("stt", "deepgram", "nova-3"),
  model("tts", "flite", "flite", ["en", "en-US"]),
  model("tts", "openai", "gpt-4o-mini-tts"),
  model("tts", "elevenlabs", "eleven_flash_v2_5"),
];

type Cap = RuntimeCapabilitiesBody["providers"][number];
const cap = (kind: Cap["kind"], provider: string, o: Partial<Cap> = {}): Cap => ({ kind, provider, platformKey: false, available: true, reason: null, languages: null, ...o });
const report = (providers: Cap[], voices: RuntimeCapabilitiesBody["voices"] = {}): FreshReport => ({ runtimeId: "rt-1", reportedAt: new Date("2026-12-05T10:00:00Z"), body: { runtimeId: "rt-1", providers, voices } });
const embedded = report([cap("llm", "scripted"), cap("stt", "pocketsphinx", { languages: ["en-US"] }), cap("tts", "flite", { languages: ["en"] }), cap("llm", "openai-compatible"), cap("tts", "openai"), cap("stt", "deepgram"), cap("tts", "elevenlabs")]);

function facts(o: Partial<PreflightFacts> = {}): PreflightFacts {
  return { catalog, reports: [embedded], spaceKeys: [], existingToolIds: new Set(), ...o };
}
const config = (overrides: Record<string, unknown> = {}) => AgentConfig.parse(agentBody(overrides));
const german = { language: "de", firstMessage: "Hallo!", tts: { provider: "flite", model: "flite", voice: "rms" } };

describe("the pre-flight", () => {
  it("finds nothing wrong with the offline demo agent on the embedded stack", () => {
    expect(preflightProblems(config(), facts())).toEqual([]);
  });

  it("says the STT cannot hear a locale's language, naming the language, and the TTS cannot speak it", () => {
    const problems = preflightProblems(config({ locales: [agentBody()["locales"] as unknown[]].flat().concat(german) }), facts());
    expect(problems).toEqual([
      { code: "language_unsupported", field: "stt.model", language: "de", message: "Speech-to-text: pocketsphinx cannot hear German (de)" },
      { code: "language_unsupported", field: "locales.1.tts.model", language: "de", message: "German (de) · Text-to-speech: flite cannot speak German (de)" },
    ]);
  });

  it("takes the languages an offline engine has installed into account, by primary subtag", () => {
    const british = { ...german, language: "en-GB", firstMessage: "Hello" };
    expect(preflightProblems(config({ locales: [british], defaultLanguage: "en-GB" }), facts())).toEqual([]);
    // The catalog says English, but this runtime only has a French model installed.
    const frenchOnly = report([cap("llm", "scripted"), cap("stt", "pocketsphinx", { languages: ["fr-FR"] }), cap("tts", "flite", { languages: ["en"] })]);
    expect(preflightProblems(config(), facts({ reports: [frenchOnly] })).map((p) => p.message)).toEqual(["Speech-to-text: pocketsphinx cannot hear American English (en-US)"]);
  });

  it("says a voice is not one of its provider's, with the voices there are", () => {
    const locales = [{ language: "en-US", firstMessage: "Hi", tts: { provider: "flite", model: "flite", voice: "alloy" } }];
    expect(preflightProblems(config({ locales }), facts())).toEqual([
      { code: "voice_unknown", field: "locales.0.tts.voice", language: "en-US", message: 'American English (en-US) · Voice: "alloy" is not a flite voice; one of rms, slt, awb, kal16, kal' },
    ]);
  });

  it("checks a voice against the voices the runtime listed from the platform's account, not against a space's own account", () => {
    const voices = { elevenlabs: [{ id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel", language: "en", gender: "female" as const, style: null }] };
    const listed = report([...embedded.body.providers.map((p) => (p.provider === "elevenlabs" ? { ...p, platformKey: true } : p))], voices);
    const eleven = (voice: string, credentialId?: string) => ({ language: "en-US", firstMessage: "Hi", tts: { provider: "elevenlabs", model: "eleven_flash_v2_5", voice, ...(credentialId ? { credentialId } : {}) } });
    expect(preflightProblems(config({ locales: [eleven("21m00Tcm4TlvDq8ikWAM")] }), facts({ reports: [listed] }))).toEqual([]);
    const unknown = preflightProblems(config({ locales: [eleven("AZnzlk1XvdvUeBnXmlld")] }), facts({ reports: [listed] }));
    expect(unknown).toEqual([expect.objectContaining({ code: "voice_unknown", field: "locales.0.tts.voice", message: expect.stringContaining('"AZnzlk1XvdvUeBnXmlld" is not one of the 1 elevenlabs voices') })]);
    const key = { id: "pcr_0000000000000000000000000a", provider: "elevenlabs", name: "Ours" };
    expect(preflightProblems(config({ locales: [eleven("AZnzlk1XvdvUeBnXmlld", key.id)] }), facts({ reports: [listed], spaceKeys: [key] }))).toEqual([]);
  });

  it("says a cloud provider has no key, and points at the space's key when it has one", () => {
    const llm = { provider: "openai-compatible", model: "gpt-4o-mini" };
    expect(preflightProblems(config({ llm }), facts())).toEqual([
      { code: "provider_key_missing", field: "llm.provider", language: null, message: "Language model: openai-compatible has no key here; add a openai-compatible provider key to this space, or the platform key to the voice runtime's environment" },
    ]);
    const key = { id: "pcr_0000000000000000000000000b", provider: "openai-compatible", name: "Team OpenAI" };
    expect(preflightProblems(config({ llm }), facts({ spaceKeys: [key] }))).toEqual([
      { code: "provider_key_missing", field: "llm.credentialId", language: null, message: 'Language model: openai-compatible has no platform key here; choose this space\'s key "Team OpenAI"' },
    ]);
    expect(preflightProblems(config({ llm: { ...llm, credentialId: key.id } }), facts({ spaceKeys: [key] }))).toEqual([]);
    const withPlatformKey = report(embedded.body.providers.map((p) => (p.provider === "openai-compatible" ? { ...p, platformKey: true } : p)));
    expect(preflightProblems(config({ llm }), facts({ reports: [withPlatformKey] }))).toEqual([]);
  });

  it("says an offline engine is not installed, or that no runtime has reported at all", () => {
    const noFlite = report([cap("llm", "scripted"), cap("stt", "pocketsphinx", { languages: ["en-US"] }), cap("tts", "flite", { available: false, reason: "flite binary not found" })]);
    expect(preflightProblems(config(), facts({ reports: [noFlite] }))).toEqual([
      { code: "provider_unavailable", field: "locales.0.tts.provider", language: "en-US", message: "American English (en-US) · Text-to-speech: flite is not installed in the voice runtime (flite binary not found)" },
    ]);
    const none = preflightProblems(config(), facts({ reports: [] }));
    expect(none.map((p) => [p.code, p.field])).toEqual([
      ["provider_unavailable", "llm.provider"],
      ["provider_unavailable", "stt.provider"],
      ["provider_unavailable", "locales.0.tts.provider"],
    ]);
    expect(none[0]?.message).toBe("Language model: No voice runtime has reported in the last 15 minutes, so nothing is known to work; start the voice runtime");
  });

  it("says a model is out of the catalog or disabled", () => {
    expect(preflightProblems(config({ llm: { provider: "openrouter", model: "old/model" } }), facts())).toEqual(
      expect.arrayContaining([{ code: "model_unavailable", field: "llm.model", language: null, message: 'Language model: "old/model" of openrouter was disabled by the platform admin; pick another model' }]),
    );
    expect(preflightProblems(config({ stt: { provider: "pocketsphinx", model: "de-de" } }), facts())).toEqual([
      { code: "model_unavailable", field: "stt.model", language: null, message: 'Speech-to-text: "de-de" is not a pocketsphinx model of the catalog; pick another model' },
    ]);
  });

  it("says a greeting is empty and a webhook tool is gone", () => {
    const toolId = "tol_0000000000000000000000000a";
    const problems = preflightProblems(config({ locales: [{ language: "en-US", firstMessage: "  ", tts: { provider: "flite", model: "flite", voice: "slt" } }], tools: [{ type: "webhook", toolId }] }), facts());
    expect(problems).toEqual([
      { code: "greeting_empty", field: "locales.0.firstMessage", language: "en-US", message: "American English (en-US) · First message: is empty; write what the agent says when the call starts" },
      { code: "tool_missing", field: "tools.0.toolId", language: null, message: `Tools: a webhook tool the agent uses (${toolId}) no longer exists in this space; remove it or attach another` },
    ]);
    expect(preflightProblems(config({ tools: [{ type: "webhook", toolId }] }), facts({ existingToolIds: new Set([toolId]) }))).toEqual([]);
  });
});

describe("provider readiness", () => {
  const base = { catalog, spaceKeys: [] };
  it("counts an offline engine a fresh report has installed, with its languages", () => {
    expect(providerReadiness({ ...base, reports: [embedded] }, "stt", "pocketsphinx")).toEqual({ kind: "stt", provider: "pocketsphinx", usable: true, source: "offline", reason: null, languages: ["en-US"] });
  });

  it("counts a platform key, then a space key, and otherwise says why not", () => {
    const keyed = report([cap("stt", "deepgram", { platformKey: true })]);
    expect(providerReadiness({ ...base, reports: [keyed] }, "stt", "deepgram")).toMatchObject({ usable: true, source: "platform" });
    expect(providerReadiness({ ...base, reports: [embedded], spaceKeys: [{ id: "pcr_x", provider: "deepgram", name: "Ours" }] }, "stt", "deepgram")).toMatchObject({ usable: true, source: "space" });
    expect(providerReadiness({ ...base, reports: [embedded] }, "stt", "deepgram")).toEqual({
      kind: "stt",
      provider: "deepgram",
      usable: false,
      source: null,
      reason: "deepgram has no key here: the voice runtime has no platform key for it and this space has no deepgram provider key",
      languages: null,
    });
  });

  it("knows nothing usable before a runtime reports, and lists one entry per provider with an enabled model", () => {
    const none = providersReadiness({ ...base, reports: [] });
    expect(none.runtimeReportedAt).toBeNull();
    expect(none.data.filter((d) => d.usable)).toEqual([]);
    expect(none.data.map((d) => `${d.kind}:${d.provider}`)).toEqual(["llm:openai-compatible", "llm:scripted", "stt:deepgram", "stt:pocketsphinx", "tts:elevenlabs", "tts:openai", "tts:flite"]);
    expect(providersReadiness({ ...base, reports: [embedded] }).runtimeReportedAt).toBe("2026-12-05T10:00:00.000Z");
  });

  it("matches languages by primary subtag and names them in English", () => {
    expect(languageHandled(["en-US"], "en")).toBe(true);
    expect(languageHandled(["en"], "en-GB")).toBe(true);
    expect(languageHandled(["en-US"], "de")).toBe(false);
    expect(languageLabel("de")).toBe("German (de)");
    expect(languageLabel("pt-BR")).toBe("Brazilian Portuguese (pt-BR)");
  });
});
