// Small helpers so each operation file declares only what is particular to it.
import { z } from "@hono/zod-openapi";
import { Problem, problemContentType } from "@speaknode/contracts";

export const problemSpec = (description: string) => ({ description, content: { [problemContentType]: { schema: Problem } } });

/** Error responses every authenticated operation can give. */
export const errorResponses = {
  400: problemSpec("Malformed body or failed validation"),
  401: problemSpec("Missing, invalid or expired credentials"),
  403: problemSpec("The caller's role does not allow this"),
  404: problemSpec("Not found, or not visible to the caller"),
} as const;

export const bearerSecurity = [{ bearer: [] }];

export function jsonBody<T extends z.ZodType>(schema: T, description = "JSON body") {
  return { required: true, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export const noContent = { description: "Done" } as const;

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
