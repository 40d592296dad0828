// The widget's theme colours as the editor previews them: the API and the widget itself take only
// #rrggbb, so the preview never shows a colour (a CSS name such as "teal") that saving then refuses.
import { WidgetSettings } from "../../../packages/contracts/src/agents.ts";

export const hexColour = /^#[0-9a-fA-F]{6}$/;
const defaults = WidgetSettings.parse({}).theme;
export type ThemeKey = keyof typeof defaults;

/** Why a typed colour cannot be used (shown at once, before saving), or undefined. */
export function colourIssue(value: string): string | undefined {
  return hexColour.test(value) ? undefined : "must be a #rrggbb colour, e.g. #008080 (colour names are not accepted)";
}

/** The colour the preview shows: the typed one when valid, else the widget's default for that key. */
export function previewColour(key: ThemeKey, value: string): string {
  return hexColour.test(value) ? value : defaults[key];
}
