// What of a failed query may be logged. A query error's message is the SQL followed by every
// parameter (drizzle's "Failed query: … params: …"), and Postgres' own message often quotes the
// offending value (`invalid input syntax for type integer: "…"`): callers' numbers, variables,
// emails. So a log names the query by a short fingerprint of its parameterized text and its
// statement, and carries the SQLSTATE and the schema objects Postgres names — never a message.

/** The fields a log line may carry about a failed query. */
export interface DatabaseErrorFields {
  /** SQLSTATE, e.g. 23505 (unique violation), 22P05 (untranslatable character). */
  code?: string;
  /** First words of the statement and the table it names: "insert into sessions". */
  statement?: string;
  /** FNV-1a of the parameterized SQL text: the same query gives the same fingerprint. */
  queryFingerprint?: string;
  constraint?: string;
  table?: string;
  column?: string;
  /** The Postgres function that raised it (int4in, json_lex…), which says what was refused. */
  routine?: string;
}

const sqlState = /^[0-9A-Z]{5}$/;

function stringField(value: object, key: string): string | undefined {
  const v = (value as Record<string, unknown>)[key];
  return typeof v === "string" && v.length > 0 && v.length <= 200 ? v : undefined;
}

/** The Postgres error (driver error with a SQLSTATE) in `err` or its causes, if any. */
function postgresError(err: unknown): object | undefined {
  let current: unknown = err;
  for (let i = 0; i < 5 && current instanceof Error; i++) {
    const code = stringField(current, "code");
    if (code && sqlState.test(code)) return current;
    current = current.cause;
  }
  return undefined;
}

/** drizzle's query error: it carries the parameterized SQL as `query` and the values as `params`. */
function failedQuery(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const query = (err as unknown as Record<string, unknown>)["query"];
  return typeof query === "string" && "params" in err ? query : undefined;
}

export function fingerprint(textToHash: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < textToHash.length; i++) {
    hash ^= textToHash.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/** "select … from users" → "select from users", "insert into sessions"; identifiers only, never a literal. */
function statementOf(query: string): string | undefined {
  const verb = /^\s*(with|select|insert into|update|delete from)\b/i.exec(query)?.[1]?.toLowerCase();
  if (!verb) return undefined;
  const table = /\b(?:from|into|update)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/i.exec(query)?.[1];
  if (!table) return verb;
  return verb === "select" || verb === "with" ? `${verb} from ${table}` : `${verb} ${table}`;
}

/** Loggable facts about a database error, or null when `err` is not one. */
export function databaseErrorFields(err: unknown): DatabaseErrorFields | null {
  const query = failedQuery(err);
  const pg = postgresError(err);
  if (query === undefined && pg === undefined) return null;
  const fields: DatabaseErrorFields = {};
  if (pg) {
    const code = stringField(pg, "code");
    if (code) fields.code = code;
    for (const key of ["constraint", "table", "column", "routine"] as const) {
      const value = stringField(pg, key);
      if (value) fields[key] = value;
    }
  }
  if (query !== undefined) {
    const statement = statementOf(query);
    if (statement) fields.statement = statement;
    fields.queryFingerprint = fingerprint(query);
  }
  return fields;
}

/** SQLSTATEs Postgres raises when a statement lost to a concurrent one and was rolled back whole:
 *  deadlock_detected, serialization_failure, lock_not_available. Running it again may succeed. */
const transientStates = new Set(["40P01", "40001", "55P03"]);

/** True when `err` is a query that lost to a concurrent transaction (and so wrote nothing). */
export function isTransientDatabaseError(err: unknown): boolean {
  const pg = postgresError(err);
  const code = pg ? stringField(pg, "code") : undefined;
  return code !== undefined && transientStates.has(code);
}

/** Runs `run` again when it lost to a concurrent transaction (a deadlock with a cascade, say), up to
 *  `attempts` times in all, waiting a little longer each time. `run` must be one statement or one
 *  transaction, so a lost attempt left nothing behind. Anything else is thrown at once. */
export async function retryTransient<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= attempts || !isTransientDatabaseError(err)) throw err;
      const waitMs = 25 * 2 ** (attempt - 1) * (1 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
