import { describe, expect, it, vi } from "vitest";
import { mergeConfigure, mergeTheme, readElementOptions, themeCss } from "./options.ts";
import type { PublicWidgetConfig } from "./types.ts";

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
      preview: false,
    });
  });

  it("treats missing and blank attributes as absent", () => {
    expect(readElementOptions(attributes({ "agent-id": "  agt_2 ", language: "  " }))).toEqual({ agentId: "agt_2", agentToken: null, language: null, externalConfig: false, preview: false });
    expect(readElementOptions(attributes({})).agentId).toBe("");
  });

  it("counts initialized and preview as present whatever their value", () => {
    expect(readElementOptions(attributes({ "agent-id": "a", initialized: "false" })).externalConfig).toBe(true);
    expect(readElementOptions(attributes({ preview: "" })).preview).toBe(true);
  });
});

describe("theme", () => {
  it("takes only #rrggbb colours from configure(), warning about each other one by its field", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const merged = mergeConfigure({}, { theme: { primaryColor: "teal", textColor: "#abc", backgroundColor: "#000;}body{display:none" } });
    expect(merged.theme).toEqual({});
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      "speacknode-agent: theme.primaryColor is not a #rrggbb colour, ignored",
      "speacknode-agent: theme.textColor is not a #rrggbb colour, ignored",
      "speacknode-agent: theme.backgroundColor is not a #rrggbb colour, ignored",
    ]);
    warn.mockClear();
    const valid = mergeConfigure(merged, { theme: { primaryColor: "#FF0000" } });
    expect(valid.theme).toEqual({ primaryColor: "#FF0000" });
    expect(warn).not.toHaveBeenCalled();
    expect(mergeTheme(theme, valid.theme)).toEqual({ ...theme, primaryColor: "#FF0000" });
    expect(mergeTheme(theme, undefined)).toEqual(theme);
    warn.mockRestore();
  });

  it("gives a preview config's invalid colour the default, with a warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const config = { displayName: "Ava", theme: { primaryColor: "teal", textColor: "#000000", backgroundColor: "#fafafa" } } as PublicWidgetConfig;
    const dispatch = () => Promise.reject(new Error("unused"));
    const merged = mergeConfigure({}, { preview: { config, dispatch } });
    expect(merged.preview?.config).toEqual({ ...config, theme: { primaryColor: "#3b5bdb", textColor: "#000000", backgroundColor: "#fafafa" } });
    expect(merged.preview?.dispatch).toBe(dispatch);
    expect(warn).toHaveBeenCalledWith("speacknode-agent: preview.config.theme.primaryColor is not a #rrggbb colour, ignored");
    warn.mockRestore();
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
