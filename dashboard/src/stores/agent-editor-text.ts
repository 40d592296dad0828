// Pure text helpers of the agent editor: the `{{variable}}`s a prompt uses (declared or not),
// autocompletion of declared names after `{{`, a line diff of two prompts, the parsing of a
// variable's default from its text field and the renaming of a variable with its placeholders.
// No signals, no DOM: tested directly.
import type { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { checkTemplates, placeholderNames } from "../../../packages/contracts/src/template.ts";
import type { Tool } from "../../../packages/contracts/src/tools.ts";
import type { VariablesSchema, VariableType, VariableValue } from "../../../packages/contracts/src/variables.ts";

export interface PromptVariables {
  /** Placeholders whose variable is declared, in order of first use. */
  declared: string[];
  /** Placeholders naming no declared variable: the API refuses to save these. */
  unknown: string[];
  /** Broken `{{…` attempts, as the API reports them. */
  malformed: string[];
}

/** The placeholders of `text` checked against the declared variables, exactly as the API checks them on save. */
export function promptVariables(text: string, schema: VariablesSchema): PromptVariables {
  const names = placeholderNames(text);
  const malformed = checkTemplates(schema, [{ field: "text", text }])
    .errors.map((e) => /^has a malformed placeholder "(.*)"$/s.exec(e.message)?.[1])
    .filter((s): s is string => s !== undefined);
  return {
    declared: names.filter((n) => Object.hasOwn(schema.properties, n)),
    unknown: names.filter((n) => !Object.hasOwn(schema.properties, n)),
    malformed,
  };
}

export interface Completion {
  /** Where the typed name starts (just after `{{` and any spaces). */
  start: number;
  prefix: string;
  options: string[];
}

/**
 * The completion to offer with the caret at `cursor`: when the caret follows `{{` and a partial
 * name on the same placeholder, the declared names starting with it (case-insensitive), else null.
 */
export function completionAt(text: string, cursor: number, names: readonly string[]): Completion | null {
  const before = text.slice(0, cursor);
  const m = /\{\{\s*([A-Za-z0-9_]*)$/.exec(before);
  if (!m) return null;
  const prefix = m[1] ?? "";
  // Inside a finished placeholder (`{{name|}}`) the exact name needs no completion; others may replace it.
  const closed = /^[A-Za-z0-9_]*\s*\}\}/.test(text.slice(cursor));
  const lower = prefix.toLowerCase();
  const options = names.filter((n) => n.toLowerCase().startsWith(lower) && !(closed && n === prefix));
  if (options.length === 0) return null;
  return { start: cursor - prefix.length, prefix, options };
}

/** `text` with the name at the completion replaced by `name` and closed with `}}`; the caret goes after the braces. */
export function applyCompletion(text: string, cursor: number, completion: Completion, name: string): { text: string; cursor: number } {
  // Swallow the rest of a name and an existing `}}` after the caret, so completing inside `{{na}}` gives `{{name}}`.
  const after = text.slice(cursor);
  const rest = /^[A-Za-z0-9_]*(\s*\}\})?/.exec(after);
  const consumed = rest?.[0].length ?? 0;
  const insert = `${name}}}`;
  return { text: text.slice(0, completion.start) + insert + after.slice(consumed), cursor: completion.start + insert.length };
}

export type DiffLine = { op: "same" | "add" | "del"; text: string };

/** Above this many cells the LCS table is skipped and the differing middle shows as removed then added. */
const maxDiffCells = 2_000_000;

/** A line diff from `a` (old) to `b` (new): common prefix and suffix, and an LCS of the middle. */
export function lineDiff(a: string, b: string): DiffLine[] {
  const x = a.split("\n");
  const y = b.split("\n");
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const out: DiffLine[] = x.slice(0, head).map((text) => ({ op: "same", text }));
  if (xs.length * ys.length > maxDiffCells) {
    for (const text of xs) out.push({ op: "del", text });
    for (const text of ys) out.push({ op: "add", text });
  } else {
    // lcs[i][j]: length of the LCS of xs[i..] and ys[j..], in one flat array.
    const w = ys.length + 1;
    const lcs = new Uint32Array((xs.length + 1) * w);
    for (let i = xs.length - 1; i >= 0; i--) {
      for (let j = ys.length - 1; j >= 0; j--) {
        lcs[i * w + j] = xs[i] === ys[j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < xs.length && j < ys.length) {
      if (xs[i] === ys[j]) {
        out.push({ op: "same", text: xs[i] ?? "" });
        i++;
        j++;
      } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) out.push({ op: "del", text: xs[i++] ?? "" });
      else out.push({ op: "add", text: ys[j++] ?? "" });
    }
    while (i < xs.length) out.push({ op: "del", text: xs[i++] ?? "" });
    while (j < ys.length) out.push({ op: "add", text: ys[j++] ?? "" });
  }
  for (const text of x.slice(x.length - tail)) out.push({ op: "same", text });
  return out;
}

/**
 * A variable's default from its text field: "" is no default; numbers and booleans are parsed by
 * the type, and what does not parse stays text so the schema's own check reports it.
 */
export function parseDefault(type: VariableType, text: string): VariableValue | undefined {
  if (text === "") return undefined;
  if (type === "string") return text;
  if (type === "boolean") return text === "true" ? true : text === "false" ? false : text;
  const n = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

export function formatDefault(value: VariableValue | undefined): string {
  return value === undefined || value === null ? "" : String(value);
}

// The renderer's placeholder syntax for one name: `{{`, optional spaces, the name, spaces, `}}`.
const placeholderOf = (name: string) => new RegExp(`\\{\\{(\\s*)${name.replace(/[^A-Za-z0-9_]/g, "\\$&")}(\\s*)\\}\\}`, "g");

/** `text` with every `{{from}}` placeholder naming `to` instead (spacing inside the braces kept). */
export function renamePlaceholder(text: string, from: string, to: string): string {
  return text.replace(placeholderOf(from), (_whole, before: string, after: string) => `{{${before}${to}${after}}}`);
}

/**
 * `config` with the variable `from` renamed to `to`: its declaration (in place, so the table keeps
 * its order), `required`, and the placeholders of the agent's own texts (system prompt, each
 * locale's first message). Webhook tools belong to the space and are not touched.
 */
export function renameVariable(config: AgentConfig, from: string, to: string): AgentConfig {
  if (from === to || !Object.hasOwn(config.variables.properties, from)) return config;
  return {
    ...config,
    systemPrompt: renamePlaceholder(config.systemPrompt, from, to),
    locales: config.locales.map((l) => ({ ...l, firstMessage: renamePlaceholder(l.firstMessage, from, to) })),
    variables: {
      ...config.variables,
      // fromEntries, because assigning obj["__proto__"] would not create a key.
      properties: Object.fromEntries(Object.entries(config.variables.properties).map(([k, v]) => [k === from ? to : k, v])),
      required: config.variables.required.map((r) => (r === from ? to : r)),
    },
  };
}

/** The texts of a webhook tool that may hold `{{variables}}`. */
type ToolTexts = Pick<Tool, "code" | "url" | "headers" | "preToolSpeech" | "progressSpeech">;

/** Codes of the tools whose URL, headers or speech use `{{name}}`: a rename leaves them to update by hand. */
export function toolsUsingVariable(tools: readonly ToolTexts[], name: string): string[] {
  return tools
    .filter((t) => [t.url, ...Object.values(t.headers), t.preToolSpeech ?? "", t.progressSpeech?.text ?? ""].some((text) => placeholderNames(text).includes(name)))
    .map((t) => t.code);
}
