import { describe, expect, it } from "vitest";
import { languageName } from "./language-name.ts";

describe("language names in the picker", () => {
  it("names each language in itself, starting with a capital", () => {
    expect(languageName("de")).toBe("Deutsch");
    expect(languageName("es")).toBe("Español");
    expect(languageName("en-US")).toMatch(/^(English \(United States\)|American English)$/);
  });

  it("falls back to the tag when there is no name", () => {
    expect(languageName("xx-invalid-tag-!")).toBe("xx-invalid-tag-!");
    expect(languageName("qaa")).toBe("qaa");
  });
});
