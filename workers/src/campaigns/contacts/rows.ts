// Checking an upload's rows one at a time, as they stream in: the phone normalised to E.164, the
// variables typed by the agent's schema through the same coercion as dispatch, the time zone,
// duplicates. Keeps exact counts, the first problems and preview rows, and the items to create.
import { coerceVariables, renderText, type ContactMapping, type ContactPreviewRow, type ContactRowError, type VariablesSchema, type VariableValue } from "@speaknode/contracts";
import { parsePhoneNumber } from "@speaknode/phone";
import type { Cell, TableRow } from "./file.ts";
import type { TimeZones } from "./time-zone.ts";

/** Problems and duplicates listed in a report (the counts are always exact). */
export const maxListed = 200;
export const previewRows = 10;

/** A row that passed, ready to become a campaign item. */
export interface NewItem {
  /** 1 = the first data row of this file. */
  row: number;
  phone: string;
  variables: Record<string, VariableValue>;
  timeZone: string | null;
}

export interface RowRules {
  columns: readonly string[];
  mapping: ContactMapping;
  schema: VariablesSchema;
  /** CSV cells are text typed by each variable's type; JSON values keep their own type. */
  source: "string" | "json";
  /** The agent's first message (a `{{variable}}` template); "" when it has none. */
  firstMessage: string;
  defaultTimeZone: string;
  allowDuplicates: boolean;
  /** Numbers already in the campaign (empty when duplicates are allowed). */
  existing: ReadonlySet<string>;
  zones: TimeZones;
}

function text(cell: Cell): string | undefined {
  if (cell === undefined || cell === null) return undefined;
  const value = String(cell).trim();
  return value === "" ? undefined : value;
}

export class ContactRows {
  totalRows = 0;
  invalidRows = 0;
  duplicateRows = 0;
  readonly items: NewItem[] = [];
  readonly errors: ContactRowError[] = [];
  readonly duplicates: ContactRowError[] = [];
  readonly preview: ContactPreviewRow[] = [];
  readonly #rules: RowRules;
  readonly #phoneAt: number;
  readonly #zoneAt: number;
  readonly #variablesAt: [string, number][];
  /** Number → the row that first had it. */
  readonly #seen = new Map<string, number>();

  constructor(rules: RowRules) {
    this.#rules = rules;
    const at = (column: string): number => rules.columns.indexOf(column);
    this.#phoneAt = at(rules.mapping.phoneColumn);
    this.#zoneAt = rules.mapping.timeZoneColumn === null ? -1 : at(rules.mapping.timeZoneColumn);
    this.#variablesAt = Object.entries(rules.mapping.variables).map(([name, column]) => [name, at(column)]);
  }

  /** Checks the next row of the file. */
  add(input: TableRow): void {
    const row = ++this.totalRows;
    const problems: ContactRowError[] = [];
    const rules = this.#rules;
    if (input.problem) return this.#invalid([{ row, ...input.problem }]);
    const { cells } = input;
    if (cells.length > rules.columns.length && cells.slice(rules.columns.length).some((c) => text(c) !== undefined)) {
      problems.push({ row, field: null, reason: `has ${cells.length} cells but the header names ${rules.columns.length} columns` });
    }

    const phoneColumn = rules.mapping.phoneColumn;
    const rawPhone = text(cells[this.#phoneAt]);
    let phone: string | null = null;
    let country: string | null = null;
    if (rawPhone === undefined) problems.push({ row, field: phoneColumn, reason: "has no phone number" });
    else {
      const parsed = parsePhoneNumber(rawPhone);
      if (parsed.ok) ({ e164: phone, country } = parsed);
      else problems.push({ row, field: phoneColumn, reason: parsed.message });
    }

    let timeZone: string | null = null;
    const rawZone = this.#zoneAt === -1 ? undefined : text(cells[this.#zoneAt]);
    if (rawZone !== undefined) {
      timeZone = rules.zones.zone(rawZone);
      if (timeZone === null) problems.push({ row, field: rules.mapping.timeZoneColumn, reason: "must be an IANA time zone such as Europe/Paris or America/New_York" });
    } else timeZone = rules.zones.ofCountry(country);

    const given: Record<string, Cell> = {};
    for (const [name, at] of this.#variablesAt) {
      const cell = cells[at];
      // An empty CSV cell is an absent value: the variable's default (or "is required") applies.
      const value = rules.source === "string" && typeof cell === "string" && cell.trim() === "" ? undefined : typeof cell === "string" ? cell.trim() : cell;
      if (value !== undefined) given[name] = value;
    }
    const variables = coerceVariables(rules.schema, given, { source: rules.source, fieldPrefix: "variables" });
    if (!variables.ok) for (const e of variables.errors) problems.push({ row, field: e.field, reason: e.message });

    if (problems.length > 0 || phone === null || !variables.ok) return this.#invalid(problems);
    if (!rules.allowDuplicates) {
      const reason = rules.existing.has(phone) ? "the number is already in the campaign" : this.#seen.has(phone) ? `the number is also on row ${this.#seen.get(phone)}` : null;
      if (reason !== null) {
        this.duplicateRows++;
        if (this.duplicates.length < maxListed) this.duplicates.push({ row, field: phoneColumn, reason });
        return;
      }
      this.#seen.set(phone, row);
    }
    this.items.push({ row, phone, variables: variables.values, timeZone });
    if (this.preview.length < previewRows) {
      const greeting = rules.firstMessage === "" ? null : renderText(rules.firstMessage, variables.values);
      this.preview.push({ row, phone, timeZone: timeZone ?? rules.defaultTimeZone, variables: variables.values, greeting });
    }
  }

  get validRows(): number {
    return this.items.length;
  }

  #invalid(problems: ContactRowError[]): void {
    this.invalidRows++;
    for (const p of problems) if (this.errors.length < maxListed) this.errors.push(p);
  }
}
