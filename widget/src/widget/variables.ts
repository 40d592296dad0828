// The session's variables: the host page's URL parameters named like one of the agent's
// variables, typed by its declared type exactly as the API types query strings (one shared
// coercion, packages/contracts/src/coerce-value.ts), then the host's `configure()` variables on
// top. An invalid parameter is dropped with a warning naming the variable (never the value: it
// may be personal data), so one bad link parameter does not block the conversation.
import { coerceValue, isVariableType } from "../../../packages/contracts/src/coerce-value.ts";
import type { PublicWidgetConfig } from "../shared/types.ts";

type VariableValue = string | number | boolean | null;

export function variablesFromQuery(
  search: string,
  accepts: PublicWidgetConfig["acceptsVariables"],
  warn: (message: string) => void = (message) => console.warn(message),
): Record<string, VariableValue> {
  const params = new URLSearchParams(search);
  const entries: [string, VariableValue][] = [];
  for (const { name, type } of accepts) {
    const raw = params.get(name);
    if (raw === null) continue;
    // A type this widget does not know yet goes as text; the API types it.
    if (!isVariableType(type)) {
      entries.push([name, raw]);
      continue;
    }
    const result = coerceValue({ type }, raw, "string");
    if (result.ok) entries.push([name, result.value]);
    else warn(`speacknode-agent: URL parameter "${name}" ${result.message.replace(/, got .*$/s, "")}; it was not sent`);
  }
  // fromEntries, because assigning obj["__proto__"] would not create a key.
  return Object.fromEntries(entries);
}

/** URL values, overridden by the host's configured ones. */
export function sessionVariables(fromQuery: Record<string, VariableValue>, configured: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries([...Object.entries(fromQuery), ...Object.entries(configured ?? {})]);
}
