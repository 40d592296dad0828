// A tool's headers or body schema: a property table (name, type, enum values, description,
// required) with a toggle to the raw JSON Schema text. JSON is checked as it is typed (parse
// errors and the API's schema rules, inline); a switch that would lose anything is refused with
// the reason, and the text stays as typed.
import { useSignal } from "@preact/signals";
import { emptyRow, parseSchemaText, propertyTypes, toJsonMode, toTableMode, type PropertyRow, type PropertyType, type SchemaField } from "../stores/schema-table.ts";
import { FieldMessage, invalidProps } from "../ui/fields.tsx";
import type { FieldErrors } from "../ui/forms.ts";

export interface SchemaEditorProps {
  title: string;
  hint: string;
  field: SchemaField;
  /** The form's field errors; this editor shows those under `prefix` (headersSchema, bodySchema). */
  errors: FieldErrors;
  prefix: string;
  onChange: (field: SchemaField) => void;
}

const isPropertyType = (v: string): v is PropertyType => (propertyTypes as readonly string[]).includes(v);

export function SchemaEditor(props: SchemaEditorProps) {
  const { field, prefix, errors } = props;
  const switchError = useSignal<string | null>(null);
  const own = Object.entries(errors).filter(([k]) => k === prefix || k.startsWith(`${prefix}.`));
  const switchTo = (mode: "table" | "json") => {
    const result = mode === "json" ? toJsonMode(field) : toTableMode(field);
    if ("error" in result) switchError.value = result.error;
    else {
      switchError.value = null;
      props.onChange(result.field);
    }
  };
  return (
    <div class="stack">
      <div class="row">
        <h3>{props.title}</h3>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => switchTo(field.mode === "json" ? "table" : "json")}>
          {field.mode === "json" ? "Edit as a property table" : "Edit as JSON Schema"}
        </button>
      </div>
      <small class="muted">{props.hint}</small>
      {switchError.value && <p class="error">{switchError.value}</p>}
      {field.mode === "json" ? <JsonText field={field} own={own} prefix={prefix} onChange={props.onChange} /> : <PropertyTable field={field} own={own} prefix={prefix} onChange={props.onChange} />}
    </div>
  );
}

type PartProps = { field: SchemaField; own: [string, string][]; prefix: string; onChange: (field: SchemaField) => void };

function JsonText({ field, own, prefix, onChange }: PartProps) {
  // Live check of the text as typed; after a save attempt the form's errors (same keys) show too.
  const live = Object.entries(parseSchemaText(field.text).errors).map(([k, m]): [string, string] => [k ? `${prefix}.${k}` : prefix, m]);
  const shown = new Map([...live, ...own]);
  return (
    <label class={shown.size ? "invalid" : ""}>
      <textarea rows={12} spellcheck={false} aria-label={`${prefix} JSON`} placeholder='{ "type": "object", "properties": { … } }' value={field.text} onInput={(e) => onChange({ ...field, text: e.currentTarget.value })} />
      {[...shown].map(([k, m]) => (
        <span key={k} class="error">
          {k === prefix ? m : `${k.slice(prefix.length + 1)}: ${m}`}
        </span>
      ))}
    </label>
  );
}

function PropertyTable({ field, own, prefix, onChange }: PartProps) {
  const { rows } = field.table;
  const setRows = (next: PropertyRow[]) => onChange({ ...field, table: { ...field.table, rows: next } });
  const set = (i: number, patch: Partial<PropertyRow>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const err = (key: string) => own.find(([k]) => k === key)?.[1];
  // Errors the API or the schema check report by property name (`bodySchema.properties.city.type`).
  const byName = (name: string) => own.filter(([k]) => k.startsWith(`${prefix}.properties.${name}.`) || k === `${prefix}.properties.${name}`).map(([, m]) => m);
  const general = own.filter(([k]) => !k.startsWith(`${prefix}.rows.`) && !rows.some((r) => r.name && (k === `${prefix}.properties.${r.name}` || k.startsWith(`${prefix}.properties.${r.name}.`))));
  return (
    <div>
      {general.map(([k, m]) => (
        <p key={k} class="error">
          {k === prefix ? m : `${k.slice(prefix.length + 1)}: ${m}`}
        </p>
      ))}
      {rows.length > 0 && (
        <table class="schema-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Allowed values</th>
              <th>Description</th>
              <th>Required</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const nameError = err(`${prefix}.rows.${i}.name`);
              const enumError = err(`${prefix}.rows.${i}.enum`);
              const named = row.name ? byName(row.name.trim()) : [];
              return (
                <tr key={i}>
                  <td>
                    <input
                      aria-label={`Property ${i + 1} name`}
                      class={nameError ? "invalid" : ""}
                      {...invalidProps(`${prefix}.rows.${i}.name`, nameError)}
                      value={row.name}
                      placeholder="city"
                      onInput={(e) => set(i, { name: e.currentTarget.value })}
                    />
                    <FieldMessage path={`${prefix}.rows.${i}.name`} error={nameError} />
                    {named.map((m) => (
                      <span key={m} class="error">
                        {m}
                      </span>
                    ))}
                    {Object.keys(row.extra).length > 0 && <small class="muted">also: {Object.keys(row.extra).join(", ")} (kept; edit as JSON)</small>}
                  </td>
                  <td>
                    <select aria-label={`Property ${i + 1} type`} value={row.type} onChange={(e) => isPropertyType(e.currentTarget.value) && set(i, { type: e.currentTarget.value })}>
                      {propertyTypes.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      aria-label={`Property ${i + 1} allowed values`}
                      class={enumError ? "invalid" : ""}
                      {...invalidProps(`${prefix}.rows.${i}.enum`, enumError)}
                      value={row.enumText}
                      placeholder="any (or a, b, c)"
                      onInput={(e) => set(i, { enumText: e.currentTarget.value })}
                    />
                    <FieldMessage path={`${prefix}.rows.${i}.enum`} error={enumError} />
                  </td>
                  <td>
                    <input aria-label={`Property ${i + 1} description`} value={row.description} placeholder="What the LLM should put here" onInput={(e) => set(i, { description: e.currentTarget.value })} />
                  </td>
                  <td>
                    <input type="checkbox" aria-label={`Property ${i + 1} required`} checked={row.required} onChange={(e) => set(i, { required: e.currentTarget.checked })} />
                  </td>
                  <td>
                    <button type="button" class="link danger" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" class="link" onClick={() => setRows([...rows, emptyRow()])}>
        Add a property
      </button>
    </div>
  );
}
