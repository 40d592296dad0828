// Form errors from both sources in one shape: the client-side zod check (the API's own schema)
// and the API's problem+json `errors` (`body.email` → `email`), keyed by field name.
import type { z } from "zod";
import { ApiProblem, errorMessage } from "../api/client.ts";

export type FieldErrors = Record<string, string>;

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_";
    out[key] ??= issue.message;
  }
  return out;
}

/** Field errors and a general message for any error a form's submit may throw. */
export function formErrors(err: unknown): { fields: FieldErrors; message: string | null } {
  if (err instanceof ApiProblem && err.fieldErrors.length > 0) {
    const fields: FieldErrors = {};
    for (const f of err.fieldErrors) fields[f.field.replace(/^body\./, "")] ??= f.message;
    return { fields, message: err.message };
  }
  if (isZodError(err)) return { fields: zodFieldErrors(err), message: null };
  return { fields: {}, message: errorMessage(err) };
}

function isZodError(err: unknown): err is z.ZodError {
  return err instanceof Error && err.name === "ZodError" && "issues" in err && Array.isArray(err.issues);
}

export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
