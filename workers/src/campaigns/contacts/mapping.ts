// Which columns of an uploaded file hold the phone, the variables and the time zone: the
// campaign's mapping checked against the file's columns, or a guess from the column names.
import type { ContactMapping, VariablesSchema } from "@speaknode/contracts";
import { ContactsFileError } from "./file.ts";

const phoneNames = ["phone", "phone_number", "phonenumber", "number", "mobile", "to", "telephone"];
const timeZoneNames = ["timezone", "time_zone", "tz"];

/** "Phone Number" and "phone-number" read as phone_number. */
const normal = (name: string): string => name.trim().toLowerCase().replace(/[\s-]+/g, "_");

function firstNamed(columns: readonly string[], names: readonly string[]): string | null {
  for (const name of names) {
    const found = columns.find((c) => normal(c) === name);
    if (found !== undefined) return found;
  }
  return null;
}

export interface GuessedMapping {
  /** null when no column looks like a phone number. */
  phoneColumn: string | null;
  variables: Record<string, string>;
  timeZoneColumn: string | null;
}

/** A mapping from the column names alone: phone-like names, variable names (exact, then case-insensitive), time-zone names. */
export function guessMapping(columns: readonly string[], schema: VariablesSchema): GuessedMapping {
  const variables: Record<string, string> = {};
  for (const name of Object.keys(schema.properties)) {
    const column = columns.find((c) => c === name) ?? columns.find((c) => normal(c) === name.toLowerCase());
    if (column !== undefined) variables[name] = column;
  }
  return { phoneColumn: firstNamed(columns, phoneNames), variables, timeZoneColumn: firstNamed(columns, timeZoneNames) };
}

/** Required variables without a default: a row without them cannot be called. */
function needed(schema: VariablesSchema): string[] {
  return schema.required.filter((name) => schema.properties[name]?.default === undefined);
}

/** What a guess leaves out that creating items needs (the phone, required variables), as sentences. */
export function guessGaps(guess: GuessedMapping, schema: VariablesSchema): string[] {
  const gaps: string[] = [];
  if (guess.phoneColumn === null) gaps.push(`no column is a phone number (name one ${phoneNames.join(", ")})`);
  const missing = needed(schema).filter((name) => !Object.hasOwn(guess.variables, name));
  if (missing.length > 0) gaps.push(`no column for the required variable${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  return gaps;
}

/** Refuses a mapping that names columns the file lacks or variables the agent does not declare. */
export function checkMapping(mapping: ContactMapping, columns: readonly string[], schema: VariablesSchema): void {
  const have = new Set(columns);
  const named = [mapping.phoneColumn, ...Object.values(mapping.variables), ...(mapping.timeZoneColumn === null ? [] : [mapping.timeZoneColumn])];
  const absent = [...new Set(named.filter((c) => !have.has(c)))];
  if (absent.length > 0) {
    throw new ContactsFileError("unprocessable", `the campaign's contact mapping names column${absent.length > 1 ? "s" : ""} the file does not have: ${absent.map((c) => `"${c}"`).join(", ")}`);
  }
  const undeclared = Object.keys(mapping.variables).filter((name) => !Object.hasOwn(schema.properties, name));
  if (undeclared.length > 0) {
    throw new ContactsFileError("unprocessable", `the campaign's contact mapping names variables the agent does not declare: ${undeclared.join(", ")}`);
  }
}

/** The guess as a full mapping once it has a phone column. */
export function asMapping(guess: GuessedMapping): ContactMapping | null {
  return guess.phoneColumn === null ? null : { phoneColumn: guess.phoneColumn, variables: guess.variables, timeZoneColumn: guess.timeZoneColumn };
}
