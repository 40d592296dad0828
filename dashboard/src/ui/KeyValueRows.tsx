// Editable name/value rows (HTTP headers, secret headers): add, edit, remove, each row with its
// inline error. Secret values are typed into password inputs and never prefilled.
import type { HeaderRow } from "../stores/tool-form.ts";
import { FieldMessage, invalidProps } from "./fields.tsx";

export interface KeyValueRowsProps {
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
  /** The error shown under row `i`, if any. */
  errorOf: (i: number, row: HeaderRow) => string | undefined;
  label: string;
  secret?: boolean;
  namePlaceholder?: string;
  valuePlaceholder?: string;
  addLabel?: string;
}

export function KeyValueRows(props: KeyValueRowsProps) {
  const { rows, onChange } = props;
  const set = (i: number, patch: Partial<HeaderRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div class="kv-rows">
      {rows.map((row, i) => {
        const error = props.errorOf(i, row);
        const path = `${props.label}.rows.${i}`;
        const aria = invalidProps(path, error);
        return (
          <div key={i} class={error ? "kv-row invalid" : "kv-row"}>
            <input aria-label={`${props.label} ${i + 1} name`} {...aria} placeholder={props.namePlaceholder ?? "Header-Name"} value={row.name} onInput={(e) => set(i, { name: e.currentTarget.value })} />
            {props.secret ? (
              <input aria-label={`${props.label} ${i + 1} value`} {...aria} class="grow" type="password" autoComplete="new-password" placeholder={props.valuePlaceholder ?? "value"} value={row.value} onInput={(e) => set(i, { value: e.currentTarget.value })} />
            ) : (
              <input aria-label={`${props.label} ${i + 1} value`} {...aria} class="grow" placeholder={props.valuePlaceholder ?? "value"} value={row.value} onInput={(e) => set(i, { value: e.currentTarget.value })} />
            )}
            <button type="button" class="link danger" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              Remove
            </button>
            <FieldMessage path={path} error={error} />
          </div>
        );
      })}
      <button type="button" class="link" onClick={() => onChange([...rows, { name: "", value: "" }])}>
        {props.addLabel ?? "Add a header"}
      </button>
    </div>
  );
}
