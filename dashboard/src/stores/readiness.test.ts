// Provider readiness and languages without a DOM: words for each provider, the languages an STT
// handles, locales it cannot hear, and the models a new agent starts with.
import { describe, expect, it } from "vitest";
import type { ProvidersReadiness } from "../../../packages/contracts/src/agent-builder.ts";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json } from "../test-support.ts";
import { handlesLanguage, languageLabel } from "./language-label.ts";
import { createReadinessStore, defaultModel, modelLanguages, optionNote, readinessText, sttLanguageIssues } from "./readiness.ts";

const at = "2026-12-01T10:00:00.000Z";
let n = 0;
const model = (kind: CatalogModel["kind"], provider: string, m: string, opts: Partial<CatalogModel> = {}): CatalogModel => ({
  id: `mdl_0000000000000000000000000${++n % 10}`, kind, provider, model: m, displayName: m, enabled: true, offline: ["scripted", "pocketsphinx", "flite"].includes(provider), defaultParams: {}, languages: [], createdAt: at, updatedAt: at, ...opts,
});
const catalog = [
  model("llm", "openai-compatible", "gpt-4o-mini"),
  model("llm", "scripted", "demo"),
  model("stt", "deepgram", "nova-3"),
  model("stt", "pocketsphinx", "en-us", { languages: ["en"] }),
  model("tts", "openai", "gpt-4o-mini-tts"),
  model("tts", "flite", "flite", { defaultParams: { voice: "rms" } }),
];
const entry = (kind: CatalogModel["kind"], provider: string, usable: boolean, extra: Partial<ProvidersReadiness["data"][number]> = {}) => ({
  kind, provider, usable, source: usable ? ("offline" as const) : null, reason: usable ? null : "needs a key: add one under Provider keys", languages: null, ...extra,
});
/** The embedded stack: only the offline engines work, pocketsphinx hears US English. */
const embedded: ProvidersReadiness = {
  runtimeReportedAt: at,
  data: [
    entry("llm", "openai-compatible", false),
    entry("llm", "scripted", true),
    entry("stt", "deepgram", false),
    entry("stt", "pocketsphinx", true, { languages: ["en-US"] }),
    entry("tts", "openai", false),
    entry("tts", "flite", true, { languages: ["en"] }),
  ],
};

describe("languages by name", () => {
  it("names a language with its tag, and keeps tags it cannot name", () => {
    expect(languageLabel("de")).toBe("German (de)");
    expect(languageLabel("en-US")).toBe("American English (en-US)");
    expect(languageLabel("qq")).toBe("qq");
    expect(languageLabel("not a tag!")).toBe("not a tag!");
    expect(languageLabel("")).toBe("New language");
  });

  it("matches languages by their primary subtag; no list means any language", () => {
    expect(handlesLanguage(["en-US"], "en")).toBe(true);
    expect(handlesLanguage(["en-US"], "en-GB")).toBe(true);
    expect(handlesLanguage(["en-US"], "de")).toBe(false);
    expect(handlesLanguage(null, "de")).toBe(true);
    expect(handlesLanguage([], "de")).toBe(true);
  });
});

describe("provider readiness", () => {
  it("loads the space's readiness once and says for each provider whether it works and why not", async () => {
    const spaceId = ids.space();
    const fetch = fakeFetch(() => json(embedded));
    const store = createReadinessStore(createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }));
    await store.load(spaceId);
    await store.load(spaceId);
    expect(fetch.requests.map((r) => r.url)).toEqual([`/v1/spaces/${spaceId}/providers`]);
    const r = store.readiness.value;
    expect(readinessText(r, "llm", "scripted")).toEqual({ usable: true, text: "Ready: runs offline in the voice runtime." });
    expect(readinessText(r, "llm", "openai-compatible")).toEqual({ usable: false, text: "Not usable: needs a key: add one under Provider keys." });
    expect(optionNote(r, "tts", "openai")).toBe(" — needs a key: add one under Provider keys");
    expect(optionNote(r, "tts", "flite")).toBe(" — ready");
    expect(readinessText({ data: [], runtimeReportedAt: null }, "stt", "deepgram").text).toBe("Not known: no voice runtime has reported yet.");
    expect(readinessText(null, "stt", "deepgram")).toEqual({ usable: null, text: "" });
  });

  it("narrows an STT's languages to what the runtime reported, and flags each locale it cannot hear", () => {
    const sphinx = catalog.find((m) => m.provider === "pocketsphinx");
    expect(modelLanguages(embedded, sphinx, "stt", "pocketsphinx")).toEqual(["en"]);
    expect(modelLanguages(embedded, catalog.find((m) => m.provider === "deepgram"), "stt", "deepgram")).toBeNull();
    const draft = { stt: { provider: "pocketsphinx", model: "en-us", params: {} }, locales: [{ language: "en-GB" }, { language: "de" }] } as const;
    const issues = sttLanguageIssues(draft as unknown as Parameters<typeof sttLanguageIssues>[0], catalog, embedded);
    expect(Object.keys(issues)).toEqual(["1"]);
    expect(issues[1]).toBe("Speech to text en-us cannot hear German (de): it handles English (en).");
  });

  it("starts new agents on usable providers: the offline ones on the embedded stack, a cloud one once it has a key", () => {
    expect(defaultModel(catalog, embedded, "llm")?.provider).toBe("scripted");
    expect(defaultModel(catalog, embedded, "stt", ["en"])?.provider).toBe("pocketsphinx");
    expect(defaultModel(catalog, embedded, "tts")?.provider).toBe("flite");
    const withKey: ProvidersReadiness = { ...embedded, data: embedded.data.map((e) => (e.provider === "openai-compatible" || e.provider === "deepgram" ? { ...e, usable: true, source: "space" as const, reason: null } : e)) };
    expect(defaultModel(catalog, withKey, "llm")?.provider).toBe("openai-compatible");
    // German: pocketsphinx cannot hear it, deepgram (with a key) can.
    expect(defaultModel(catalog, withKey, "stt", ["de"])?.provider).toBe("deepgram");
    expect(defaultModel(catalog, embedded, "stt", ["de"])?.provider).toBe("pocketsphinx"); // nothing fits: still a usable one
    // Nothing known usable (no report yet): the offline engines, which need no key.
    expect(defaultModel(catalog, null, "llm")?.provider).toBe("scripted");
    expect(defaultModel(catalog, { data: [], runtimeReportedAt: null }, "tts")?.provider).toBe("flite");
  });
});
