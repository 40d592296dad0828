// The Turn-taking tab's backchannel lists and phone overrides, without a DOM.
import { describe, expect, it } from "vitest";
import { defaultBackchannels, defaultTurnSettings } from "../../../packages/contracts/src/turn-taking.ts";
import { backchannelErrors, backchannelLists, phrasesOf, phrasesText, withBackchannels, silenceFallbackLanguages, withPhoneOverride } from "./turn-settings.ts";

const config = (languages: string[], backchannels: Record<string, string[]> = {}) => {
  const turn = structuredClone(defaultTurnSettings);
  turn.interruption.backchannels = backchannels;
  return { locales: languages.map((language) => ({ language })) as never, turn };
};

describe("backchannelLists", () => {
  it("gives each base language of the locales once, prefilled with the built-in list", () => {
    const lists = backchannelLists(config(["en-US", "en-GB", "de"]));
    expect(lists.map((l) => [l.language, l.custom, l.spoken])).toEqual([
      ["en", false, true],
      ["de", false, true],
    ]);
    expect(lists[0]?.phrases).toEqual(defaultBackchannels["en"]);
  });

  it("shows the agent's own list in place of the built-in one, and keeps a list whose language the agent no longer speaks", () => {
    const lists = backchannelLists(config(["en"], { en: ["yeah"], fr: ["oui"] }));
    expect(lists.map((l) => [l.language, l.phrases, l.custom, l.spoken])).toEqual([
      ["en", ["yeah"], true, true],
      ["fr", ["oui"], true, false],
    ]);
  });

  it("starts a language without a built-in list empty", () => {
    expect(backchannelLists(config(["ja"]))[0]).toMatchObject({ language: "ja", phrases: [], custom: false, builtIn: [] });
  });
});

describe("phrases as text", () => {
  it("splits on commas and new lines, trims, drops blanks, and keeps phrases of several words", () => {
    expect(phrasesOf(" yeah, uh-huh,\nall right ,, ")).toEqual(["yeah", "uh-huh", "all right"]);
    expect(phrasesOf("")).toEqual([]);
    expect(phrasesOf(phrasesText(["i see", "d'accord"]))).toEqual(["i see", "d'accord"]);
  });
});

describe("withBackchannels", () => {
  it("stores a changed list, and drops it again when it is back to the built-in one or reset", () => {
    const mine = withBackchannels({}, "en", ["yeah", "okay"]);
    expect(mine).toEqual({ en: ["yeah", "okay"] });
    expect(withBackchannels(mine, "en", [...(defaultBackchannels["en"] ?? [])])).toEqual({});
    expect(withBackchannels({ ...mine, de: ["ja"] }, "en", null)).toEqual({ de: ["ja"] });
  });

  it("keeps an empty list: nothing counts as a backchannel in that language", () => {
    expect(withBackchannels({}, "en", [])).toEqual({ en: [] });
    expect(withBackchannels({ ja: ["hai"] }, "ja", [])).toEqual({});
  });
});

describe("backchannelErrors", () => {
  it("quotes the phrase a field error is about, and keeps the list's own error", () => {
    const fields = {
      "turn.interruption.backchannels.en.1": "must be letters, spaces, hyphens or apostrophes",
      "turn.interruption.backchannels.en": "Too big: expected array to have <=100 items",
      "turn.interruption.backchannels.de.0": "must not be empty",
    };
    expect(backchannelErrors(fields, "en", ["yeah", "ok!"])).toEqual(['"ok!" must be letters, spaces, hyphens or apostrophes', "can have at most 100 entries"]);
    expect(backchannelErrors(fields, "fr", [])).toEqual([]);
  });
});

describe("withPhoneOverride", () => {
  it("sets an override and removes it when emptied, so phone calls use the web's value", () => {
    const set = withPhoneOverride({}, "maxEndpointingDelayMs", 3500);
    expect(set).toEqual({ maxEndpointingDelayMs: 3500 });
    expect(withPhoneOverride(set, "maxEndpointingDelayMs", null)).toEqual({});
  });
});

describe("languages the end-of-turn model does not know", () => {
  it("are the agent's locales outside the model's base languages, whatever their region", () => {
    expect(silenceFallbackLanguages(["en-US", "ru", "pt-BR", "uk-UA"])).toEqual(["ru", "uk-UA"]);
    expect(silenceFallbackLanguages(["en", "de-DE"])).toEqual([]);
  });
});
