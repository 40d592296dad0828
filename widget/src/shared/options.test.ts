import { describe, expect, it } from "vitest";
import { mergeConfigure, mergeTheme, readElementOptions, themeCss } from "./options.ts";

function attributes(values: Record<string, string>): (name: string) => string | null {
  return (name) => (Object.hasOwn(values, name) ? (values[name] ?? null) : null);
}

const theme = { primaryColor: "#3b5bdb", textColor: "#ffffff", backgroundColor: "#ffffff" };

describe("element attributes", () => {
  it("reads agent-id, agent-token, language and initialized", () => {
    expect(readElementOptions(attributes({ "agent-id": "agt_1", "agent-token": "tok", language: "ru", initialized: "" }))).toEqual({
      agentId: "agt_1",
      agentToken: "tok",
      language: "ru",
      externalConfig: true,
    });
  });

  it("treats missing and blank attributes as absent", () => {
    expect(readElementOptions(attributes({ "agent-id": "  agt_2 ", language: "  " }))).toEqual({ agentId: "agt_2", agentToken: null, language: null, externalConfig: false });
    expect(readElementOptions(attributes({})).agentId).toBe("");
  });

  it("counts initialized as present whatever its value", () => {
    expect(readElementOptions(attributes({ "agent-id": "a", initialized: "false" })).externalConfig).toBe(true);
  });
});

describe("theme", () => {
  it("applies valid hex overrides and ignores anything else", () => {
    expect(mergeTheme(theme, { primaryColor: "#ff0000", textColor: "red", backgroundColor: "#000;}body{display:none" })).toEqual({ ...theme, primaryColor: "#ff0000" });
    expect(mergeTheme(theme, { textColor: "#abc" }).textColor).toBe("#abc");
    expect(mergeTheme(theme, undefined)).toEqual(theme);
  });

  it("becomes the custom properties the styles use", () => {
    expect(themeCss(theme)).toBe(":host{--sn-primary:#3b5bdb;--sn-text:#ffffff;--sn-bg:#ffffff}");
  });
});

describe("configure()", () => {
  it("merges calls: later values win, themes merge key by key, variables are replaced", () => {
    const first = mergeConfigure({}, { variables: { a: 1, b: 2 }, language: "en", theme: { primaryColor: "#111111" } });
    const second = mergeConfigure(first, { variables: { a: 3 }, theme: { textColor: "#222222" } });
    expect(second).toEqual({ variables: { a: 3 }, language: "en", theme: { primaryColor: "#111111", textColor: "#222222" } });
  });
});
