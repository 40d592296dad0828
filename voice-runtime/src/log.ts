// Structured logs: fixed message strings, fields as data, one JSON line each on stderr.
// Transcripts, tokens, phone numbers and tool payloads only ever go under `pii`.
type Fields = Record<string, unknown> & { pii?: Record<string, unknown> };
type Level = "debug" | "info" | "warn" | "error";

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: Level = "info";

export function setLogLevel(level: Level): void {
  threshold = level;
}

function emit(level: Level, message: string, fields: Fields = {}): void {
  if (order[level] < order[threshold]) return;
  process.stderr.write(JSON.stringify({ level, time: new Date().toISOString(), message, ...fields }) + "\n");
}

export const log = {
  debug: (message: string, fields?: Fields) => emit("debug", message, fields),
  info: (message: string, fields?: Fields) => emit("info", message, fields),
  warn: (message: string, fields?: Fields) => emit("warn", message, fields),
  error: (message: string, fields?: Fields) => emit("error", message, fields),
};

/** Safe fields for an unexpected error: its class in the open, its message only under `pii`. */
export function errorFields(err: unknown): Fields {
  return { errorName: err instanceof Error ? err.name : typeof err, pii: { message: err instanceof Error ? err.message : String(err) } };
}
