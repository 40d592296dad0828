import { describe, expect, it, vi } from "vitest";
import { matchLanguage, pickLanguage } from "./language.ts";

const languages = [
  { language: "en-US", default: true },
  { language: "ru", default: false },
];

describe("conversation language", () => {
  it("matches exactly, then by primary subtag", () => {
    expect(matchLanguage(languages, "EN-us")).toBe("en-US");
    expect(matchLanguage(languages, "en-GB")).toBe("en-US");
    expect(matchLanguage(languages, "ru-RU")).toBe("ru");
    expect(matchLanguage(languages, "de")).toBeNull();
  });

  it("prefers configure(), then the attribute, then the browser, then the default", () => {
    expect(pickLanguage(languages, ["ru", "en"], [])).toBe("ru");
    expect(pickLanguage(languages, [undefined, "ru"], ["en"])).toBe("ru");
    expect(pickLanguage(languages, [undefined, null], ["de-DE", "ru-RU"])).toBe("ru");
    expect(pickLanguage(languages, [], ["fr"])).toBe("en-US");
  });

  it("skips a language the agent does not speak, with a warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(pickLanguage(languages, ["de"], [])).toBe("en-US");
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
