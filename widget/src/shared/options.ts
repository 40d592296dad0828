// Reading the element's attributes and the host's `configure()` options; shared by the loader and
// the widget, so keep it tiny (it counts against the loader's 2 KB).
import type { ConfigureOptions, ElementOptions, Theme, ThemeOverride } from "./types.ts";

/** The element's attributes; `get` is `element.getAttribute`. */
export function readElementOptions(get: (name: string) => string | null): ElementOptions {
  const text = (name: string): string | null => get(name)?.trim() || null;
  return {
    agentId: text("agent-id") ?? "",
    agentToken: text("agent-token"),
    language: text("language"),
    externalConfig: get("initialized") !== null,
  };
}

// Only hex colours: the theme is written into a style sheet, so anything else could inject CSS.
const colorRe = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** The config's theme with the host's valid overrides applied (invalid colours are ignored). */
export function mergeTheme(base: Theme, override: ThemeOverride | undefined): Theme {
  const out = { ...base };
  for (const key of ["primaryColor", "textColor", "backgroundColor"] as const) {
    const value = override?.[key];
    if (typeof value === "string" && colorRe.test(value)) out[key] = value;
  }
  return out;
}

/** The theme as the CSS custom properties the loader's and the widget's styles use. */
export function themeCss(theme: Theme): string {
  return `:host{--sn-primary:${theme.primaryColor};--sn-text:${theme.textColor};--sn-bg:${theme.backgroundColor}}`;
}

/** Later `configure()` calls add to earlier ones; `variables` replace the previous set. */
export function mergeConfigure(previous: ConfigureOptions, next: ConfigureOptions): ConfigureOptions {
  return { ...previous, ...next, theme: { ...previous.theme, ...next.theme } };
}
