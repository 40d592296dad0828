// Structured logs: fixed message strings, fields as data. Personal data only under `pii`.
import { databaseErrorFields } from "./db-error.ts";

type Fields = Record<string, unknown> & { pii?: Record<string, unknown> };

function emit(level: "info" | "warn" | "error", message: string, fields: Fields = {}): void {
  const line = JSON.stringify({ level, message, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

export const log = {
  info: (message: string, fields?: Fields) => emit("info", message, fields),
  warn: (message: string, fields?: Fields) => emit("warn", message, fields),
  error: (message: string, fields?: Fields) => emit("error", message, fields),
};

/** Safe fields for an unexpected error: its class in the open and its message only under `pii`.
 *  A database error's message is never logged, not even under `pii`: it is the SQL with every
 *  parameter, or Postgres quoting a value; the query's fingerprint and SQLSTATE stand in for it. */
export function errorFields(err: unknown): Fields {
  const errorName = err instanceof Error ? err.name : typeof err;
  const db = databaseErrorFields(err);
  if (db) return { errorName, db };
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  return { errorName, pii: { message: err instanceof Error ? err.message : String(err), ...(cause ? { cause: cause.message } : {}) } };
}
