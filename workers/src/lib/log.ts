// Structured logs: fixed message strings, fields as data. Personal data only under `pii`.
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

/** Safe fields for an unexpected error: its class and database error code in the open, its
 *  message (which for a failed query holds the SQL parameters: emails, names) only under `pii`. */
export function errorFields(err: unknown): Fields {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && "code" in cause ? String(cause.code) : undefined;
  return {
    errorName: err instanceof Error ? err.name : typeof err,
    ...(code ? { dbCode: code } : {}),
    pii: { message: err instanceof Error ? err.message : String(err), ...(cause ? { cause: cause.message } : {}) },
  };
}
