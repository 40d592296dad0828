// What changed between two configurations of an agent (a published version and the draft), field
// by field, for the Publish tab; the system prompt is left out because it gets a line diff of its
// own. Lists are compared by identity, not position: locales by language, variables by name, tools
// by tool id or system tool name, allowed origins as a set. Pure: tested without a DOM.
import type { AgentConfig, Locale } from "../../../packages/contracts/src/agents.ts";
import type { ToolRef } from "../../../packages/contracts/src/tools.ts";
import type { TurnSettings } from "../../../packages/contracts/src/turn-taking.ts";
import type { VariableSpec } from "../../../packages/contracts/src/variables.ts";
import { languageLabel } from "./language-label.ts";

export interface ConfigChange {
  kind: "changed" | "added" | "removed";
  /** For people: "Temperature", "Language de › Voice", "Variable city". */
  field: string;
  /** Display text of each side; null on the side where the field or item does not exist. */
  before: string | null;
  after: string | null;
}

export interface DiffOptions {
  /** A webhook tool's name for its id (its code), when known. */
  toolName?: (toolId: string) => string | undefined;
  /** An agent's name for its id (transfer targets), when known. */
  agentName?: (agentId: string) => string | undefined;
}

/** Above this, text values are cut, so a long first message does not flood the list. */
const maxShownChars = 120;

/** How a value shows in the list: strings quoted (so "" and spaces are visible), null as "none". */
export function show(value: unknown): string {
  if (value === undefined || value === null) return "none";
  if (typeof value === "string") return JSON.stringify(value.length > maxShownChars ? `${value.slice(0, maxShownChars)}…` : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

type Entry = { label: string; value: string; group?: string };

/** A configuration flattened to comparable entries; `groups` are the items (locale, variable, tool) entries may belong to. */
interface Flat {
  entries: Map<string, Entry>;
  groups: Map<string, Entry>;
}

/** Adds entries: `put` shows the value with `show`, `text` takes display text as it is. */
interface Sink {
  put(key: string, label: string, value: unknown, group?: string): void;
  text(key: string, label: string, value: string, group?: string): void;
  /** An item: one entry standing for it, listed when it exists on one side only. */
  item(key: string, label: string, summary: string): void;
  params(key: string, label: string, params: Record<string, unknown>, group?: string): void;
}

function flatten(c: AgentConfig, opts: DiffOptions): Flat {
  const entries: Flat["entries"] = new Map();
  const groups: Flat["groups"] = new Map();
  const sink: Sink = {
    text: (key, label, value, group) => void entries.set(key, group ? { label, value, group } : { label, value }),
    put: (key, label, value, group) => sink.text(key, label, show(value), group),
    item: (key, label, summary) => {
      groups.set(key, { label, value: summary });
      sink.text(key, label, summary, key);
    },
    params: (key, label, params, group) => {
      for (const [name, value] of Object.entries(params)) sink.put(`${key}.params.${name}`, `${label} › Parameter ${name}`, value, group);
    },
  };

  sink.put("name", "Name", c.name);
  sink.put("temperature", "Temperature", c.temperature);
  sink.text("maxTokensPerConversation", "Token limit per conversation", c.maxTokensPerConversation === null ? "no limit" : String(c.maxTokensPerConversation));
  sink.text("defaultLanguage", "Default language", languageLabel(c.defaultLanguage));
  sink.put("autoDetectLanguage", "Detect the caller's language", c.autoDetectLanguage);
  sink.text("localeOrder", "Order of languages", c.locales.map((l) => languageLabel(l.language)).join(", "));
  for (const l of c.locales) locale(l, sink);
  for (const [key, label] of [
    ["llm", "Language model"],
    ["stt", "Speech to text"],
  ] as const) {
    sink.text(key, label, `${c[key].provider} / ${c[key].model}`);
    sink.params(key, label, c[key].params);
  }
  for (const [field, value] of Object.entries(c.vad)) sink.put(`vad.${field}`, `VAD › ${vadLabels[field] ?? field}`, value);
  turn(c.turn, sink);

  for (const [name, spec] of Object.entries(c.variables.properties)) {
    const required = c.variables.required.includes(name);
    const group = `variable:${name}`;
    const label = `Variable ${name}`;
    sink.item(group, label, variableSummary(spec, required));
    sink.text(`${group}.type`, `${label} › Type`, spec.type, group);
    sink.put(`${group}.description`, `${label} › Description`, spec.description ?? null, group);
    sink.text(`${group}.default`, `${label} › Default`, spec.default === undefined ? "no default" : show(spec.default), group);
    sink.put(`${group}.nullable`, `${label} › Nullable`, spec.nullable === true, group);
    sink.put(`${group}.required`, `${label} › Required`, required, group);
  }

  for (const ref of c.tools) tool(ref, sink, opts);

  const w = c.widget;
  sink.put("widget.displayName", "Widget › Display name", w.displayName ?? null);
  sink.text("widget.placement", "Widget › Placement", w.placement);
  sink.put("widget.launcherText", "Widget › Launcher text", w.launcherText);
  for (const [k, v] of Object.entries(w.theme)) sink.text(`widget.theme.${k}`, `Widget › ${themeLabels[k] ?? k}`, v);
  sink.put("widget.showTranscript", "Widget › Show the transcript", w.showTranscript);
  for (const o of w.allowedOrigins) sink.text(`widget.origin:${o}`, "Widget › Allowed origin", o);
  return { entries, groups };
}

const vadLabels: Record<string, string> = {
  model: "Model",
  activationThreshold: "Activation threshold",
  minSpeechMs: "Minimum speech (ms)",
  minSilenceMs: "Minimum silence (ms)",
  prefixPaddingMs: "Prefix padding (ms)",
  allowInterruptionsDuringFirstMessage: "Interruptible first message",
};

function turn(t: TurnSettings, sink: Sink): void {
  sink.text("turn.detection", "Turn-taking › End-of-turn detection", t.detection === "semantic" ? "end-of-turn model" : "silence only (VAD)");
  sink.put("turn.minEndpointingDelayMs", "Turn-taking › Minimum endpointing delay (ms)", t.minEndpointingDelayMs);
  sink.put("turn.maxEndpointingDelayMs", "Turn-taking › Maximum endpointing delay (ms)", t.maxEndpointingDelayMs);
  sink.put("turn.preemptiveGeneration", "Turn-taking › Preemptive replies", t.preemptiveGeneration);
  const i = t.interruption;
  sink.put("turn.interruption.minDurationMs", "Interruptions › Minimum speech (ms)", i.minDurationMs);
  sink.put("turn.interruption.minWords", "Interruptions › Minimum words", i.minWords);
  sink.put("turn.interruption.resumeFalseInterruption", "Interruptions › Resume after a false interruption", i.resumeFalseInterruption);
  // Only the agent's own lists: a language without one uses the built-in list, shown as none.
  for (const [language, phrases] of Object.entries(i.backchannels)) {
    sink.text(`turn.backchannels:${language}`, `Interruptions › Backchannels ${languageLabel(language)}`, phrases.length > 0 ? phrases.join(", ") : "empty list");
  }
  for (const [field, label] of [
    ["minEndpointingDelayMs", "Minimum endpointing delay (ms)"],
    ["maxEndpointingDelayMs", "Maximum endpointing delay (ms)"],
    ["minInterruptionDurationMs", "Minimum interruption speech (ms)"],
  ] as const) {
    const v = t.phone[field];
    sink.text(`phone-turn.${field}`, `Phone calls › ${label}`, v === undefined ? "as on the web" : String(v));
  }
}

const themeLabels: Record<string, string> = { primaryColor: "Primary colour", textColor: "Text colour", backgroundColor: "Background colour" };

function locale(l: Locale, sink: Sink): void {
  const group = `locale:${l.language.toLowerCase()}`;
  const label = languageLabel(l.language);
  sink.item(group, label, `${l.tts.provider} / ${l.tts.model}, voice ${l.tts.voice}`);
  sink.put(`${group}.firstMessage`, `${label} › First message`, l.firstMessage, group);
  sink.text(`${group}.tts`, `${label} › Text to speech`, `${l.tts.provider} / ${l.tts.model}`, group);
  sink.put(`${group}.voice`, `${label} › Voice`, l.tts.voice, group);
  sink.params(`${group}.tts`, `${label} › Text to speech`, l.tts.params, group);
  sink.put(`${group}.speed`, `${label} › Speed`, l.speed, group);
  sink.text(`${group}.background`, `${label} › Background sound`, l.background.sound, group);
  sink.put(`${group}.volume`, `${label} › Background volume`, l.background.volume, group);
}

function tool(ref: ToolRef, sink: Sink, opts: DiffOptions): void {
  if (ref.type === "webhook") {
    sink.item(`tool:${ref.toolId}`, `Tool ${opts.toolName?.(ref.toolId) ?? ref.toolId}`, "attached");
    return;
  }
  const group = `tool:${ref.name}`;
  sink.item(group, `Tool ${ref.name}`, "attached");
  for (const t of ref.targets ?? []) sink.put(`${group}.target:${t.agentId}`, `Tool ${ref.name} › Transfer to ${opts.agentName?.(t.agentId) ?? t.agentId}`, t.when, group);
}

function variableSummary(spec: VariableSpec, required: boolean): string {
  const parts: string[] = [spec.type];
  if (required) parts.push("required");
  if (spec.nullable) parts.push("nullable");
  if (spec.default !== undefined) parts.push(`default ${show(spec.default)}`);
  return parts.join(", ");
}

/**
 * The changes from `before` to `after`, in the order of the editor's tabs. An item present on one
 * side only (a locale, variable or tool) is one "added"/"removed" line, not one per field.
 */
export function configChanges(before: AgentConfig, after: AgentConfig, opts: DiffOptions = {}): ConfigChange[] {
  const a = flatten(before, opts);
  const b = flatten(after, opts);
  const out: ConfigChange[] = [];
  // The old configuration's keys, then the new one's additions, sorted stably by section.
  const keys = [...new Set([...a.entries.keys(), ...b.entries.keys()])].sort((x, y) => rank(x) - rank(y));
  for (const key of keys) {
    const was = a.entries.get(key);
    const now = b.entries.get(key);
    const owner = was?.group ?? now?.group;
    // Inside an item present on one side only: the item's own entry speaks for all its fields.
    if (owner && owner !== key && !(a.groups.has(owner) && b.groups.has(owner))) continue;
    // An item on both sides: its fields speak for it.
    if (owner === key && was && now) continue;
    if (was && now) {
      // A changed set of languages shows as locales added or removed; the order only when it alone changed.
      if (was.value !== now.value && (key !== "localeOrder" || sameSet(was.value, now.value))) out.push({ kind: "changed", field: now.label, before: was.value, after: now.value });
    } else if (now) out.push({ kind: "added", field: now.label, before: null, after: now.value });
    else if (was) out.push({ kind: "removed", field: was.label, before: was.value, after: null });
  }
  return out;
}

// Tabs' order: general, languages, models, turn-taking (with the VAD), variables, tools, widget. Stable sort keeps the rest.
const sections = ["name", "temperature", "maxTokens", "defaultLanguage", "autoDetect", "localeOrder", "locale:", "llm", "stt", "turn.", "phone-turn.", "vad.", "variable:", "tool:", "widget."];
function rank(key: string): number {
  const i = sections.findIndex((s) => key.startsWith(s));
  return i === -1 ? sections.length : i;
}

function sameSet(a: string, b: string): boolean {
  const set = (s: string) => s.split(", ").map((x) => x.toLowerCase()).sort().join(",");
  return set(a) === set(b);
}
