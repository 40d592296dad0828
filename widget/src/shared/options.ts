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
    preview: get("preview") !== null,
  };
}

// Only #rrggbb, as the agent's theme itself (packages/contracts/src/agents.ts): the theme is
// written into a style sheet, so anything else could inject CSS, and "teal" working here but
// being refused by the dashboard would surprise.
const colorRe = /^#[0-9a-f]{6}$/i;
const keys = ["primaryColor", "textColor", "backgroundColor"] as const;
const fallback: Theme = { primaryColor: "#3b5bdb", textColor: "#ffffff", backgroundColor: "#ffffff" };

/** The valid colours of `theme`; each other one is dropped with a warning naming `field`. */
export function validColors(theme: ThemeOverride | undefined, field: string): ThemeOverride {
  const out: ThemeOverride = {};
  for (const key of keys) {
    const value = theme?.[key];
    if (value === undefined) continue;
    if (typeof value === "string" && colorRe.test(value)) out[key] = value;
    else console.warn(`speacknode-agent: ${field}.${key} is not a #rrggbb colour, ignored`);
  }
  return out;
}

/** The config's theme with the host's overrides (already checked by mergeConfigure) on top. */
export function mergeTheme(base: Theme, override: ThemeOverride | undefined): Theme {
  return { ...base, ...override };
}

/** The theme as the CSS custom properties the loader's and the widget's styles use. */
export function themeCss(theme: Theme): string {
  return `:host{--sn-primary:${theme.primaryColor};--sn-text:${theme.textColor};--sn-bg:${theme.backgroundColor}}`;
}

/**
 * Later `configure()` calls add to earlier ones; `variables` and `preview` replace the previous
 * ones. Colours that are not #rrggbb are dropped here, with a warning, once per call; a preview
 * config's invalid colour becomes the default one.
 */
export function mergeConfigure(previous: ConfigureOptions, next: ConfigureOptions): ConfigureOptions {
  const p = next.preview;
  return {
    ...previous,
    ...next,
    theme: { ...previous.theme, ...validColors(next.theme, "theme") },
    ...(p?.config && { preview: { ...p, config: { ...p.config, theme: { ...fallback, ...validColors(p.config.theme, "preview.config.theme") } } } }),
  };
}
