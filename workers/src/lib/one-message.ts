// Several statements in ONE round trip: a simple-protocol Query message holding them all, which
// Postgres runs as one implicit transaction (all or nothing; a transaction-scoped lock taken by the
// first is held until the last has run), each statement with its own snapshot. The extended
// protocol (the driver's parameters) allows one statement per message, so the parameters are
// written into the text as dollar-quoted literals, which Postgres reads verbatim whatever
// `standard_conforming_strings` says: no escaping to get wrong, and a tag the value contains is
// never chosen.
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database } from "@speaknode/db";

const dialect = new PgDialect();

/** A value as a literal Postgres reads back unchanged (typed by its context, like a parameter). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("a literal number must be finite");
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  const text = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
  // Postgres text cannot hold NUL; as a parameter it would be refused too.
  if (text.includes("\u0000")) throw new Error("a literal cannot contain NUL");
  // The body ends at the first tag after the opening one, so none may start earlier, not even one
  // straddling the body's end ("…$v" + "$v$").
  let tag = "$v$";
  for (let i = 0; (text + tag).indexOf(tag) !== text.length; i++) tag = `$v${i}$`;
  return `${tag}${text}${tag}`;
}

/** The statement's text with its parameters written in. */
export function inlined(statement: SQL): string {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  // Placeholders are $1…$n, numbered by drizzle; the longest number is matched first by \d+.
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new Error(`placeholder $${n} has no parameter`);
    return literal(params[index]);
  });
}

interface SimpleQueryClient {
  query(text: string): Promise<{ rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[]>;
}

/** Runs the statements as one message; returns the rows of the last. */
export async function runInOneMessage(db: Database, statements: SQL[]): Promise<Record<string, unknown>[]> {
  const client = (db as unknown as { $client?: SimpleQueryClient }).$client;
  if (!client) throw new Error("the database handle has no client to send a message through");
  const text = statements.map((s) => inlined(s)).join(";\n");
  const results = await client.query(text);
  const last = Array.isArray(results) ? results.at(-1) : results;
  return last?.rows ?? [];
}
