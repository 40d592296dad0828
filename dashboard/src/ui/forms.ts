// Form errors from both sources in one shape: the client-side zod check (the API's own schema)
// and the API's problem+json `errors` (`body.email` → `email`), keyed by field name.
import type { z } from "zod";
import { ApiProblem, errorMessage } from "../api/client.ts";
import { isGenericValidation, plainMessage } from "./field-words.ts";

export type FieldErrors = Record<string, string>;

/** Messages are plain sentences (`plainMessage`): "must not be empty", never zod's "Too small: …". */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_";
    out[key] ??= plainMessage(issue.message);
  }
  return out;
}

/** The headline over a form whose fields the API refused (its own words are about the request). */
export const fieldsHeadline = "Some fields need a change: see the messages below.";

/** Field errors and a general message for any error a form's submit may throw. */
export function formErrors(err: unknown): { fields: FieldErrors; message: string | null } {
  if (err instanceof ApiProblem && err.fieldErrors.length > 0) {
    const fields: FieldErrors = {};
    for (const f of err.fieldErrors) fields[f.field.replace(/^body\./, "")] ??= plainMessage(f.message);
    return { fields, message: isGenericValidation(err) ? fieldsHeadline : err.message };
  }
  if (isZodError(err)) return { fields: zodFieldErrors(err), message: null };
  return { fields: {}, message: errorMessage(err) };
}

/** The value at a dotted path (`locales.0.tts.voice`), undefined when the path leads nowhere. */
export function valueAt(root: unknown, path: string): unknown {
  let at: unknown = root;
  for (const key of path.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The errors still standing after an edit: an error goes as soon as its field changes (its value
 * at the error's path differs between `before` and `after`), so a fixed field stops showing the
 * API's complaint before the form is sent again. Paths that lead nowhere in the form stay.
 */
export function keepUnchanged(fields: FieldErrors, before: unknown, after: unknown): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, message] of Object.entries(fields)) {
    const was = valueAt(before, key);
    const now = valueAt(after, key);
    if (was === undefined && now === undefined) out[key] = message;
    else if (JSON.stringify(was) === JSON.stringify(now)) out[key] = message;
  }
  return out;
}

/** `aria-describedby` with `add` in and `drop` out, keeping ids the control had of its own. */
export function describedBy(current: string | null, add: string | null, drop: readonly string[]): string | null {
  const ids = (current ?? "").split(/\s+/).filter((id) => id && !drop.includes(id));
  if (add) ids.push(add);
  return ids.length > 0 ? ids.join(" ") : null;
}

/** The form's headline once its field errors changed: it goes with the last of them. */
export function headlineAfter(message: string | null, before: FieldErrors, after: FieldErrors): string | null {
  return Object.keys(before).length > 0 && Object.keys(after).length === 0 ? null : message;
}

function isZodError(err: unknown): err is z.ZodError {
  return err instanceof Error && err.name === "ZodError" && "issues" in err && Array.isArray(err.issues);
}

export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
