// The provider parameters editor of one stage (LLM, STT or a locale's TTS): typed key/value rows of
// the agent's own values, and the catalog model's defaults shown as inherited rows that can be
// overridden. The row logic is in stores/provider-params.ts.
import { useSignal } from "@preact/signals";
import {
  addParam,
  checkParamKey,
  convertParam,
  formatParam,
  paramRows,
  paramType,
  paramTypes,
  parseNumberParam,
  removeParam,
  renameParam,
  setParam,
  type ParamRow,
  type Params,
  type ParamType,
  type ParamValue,
} from "../stores/provider-params.ts";

type Props = {
  /** Names the table and its inputs for assistive tech: "LLM", "TTS en". */
  label: string;
  params: Params;
  /** The catalog model's defaultParams ({} when the model is not in the catalog). */
  defaults: Params;
  onChange: (next: Params) => void;
  /** The field error of a parameter, by key. */
  errorOf: (key: string) => string | undefined;
  /** The parameters the provider takes (the contract's schema for it), offered when adding one. */
  known?: string[];
};

export function ParamsEditor({ label, params, defaults, onChange, errorOf, known = [] }: Props) {
  const adding = useSignal("");
  const addError = useSignal<string | null>(null);
  const rows = paramRows(params, defaults);
  const unused = [...new Set([...Object.keys(defaults), ...known])].filter((k) => !Object.hasOwn(params, k));
  const listId = `params-${label.replace(/\W+/g, "-")}`;
  const add = () => {
    const key = adding.value.trim();
    const check = checkParamKey(params, key);
    if (!check.ok) {
      addError.value = check.message;
      return;
    }
    addError.value = null;
    adding.value = "";
    onChange(addParam(params, key, defaults));
  };
  return (
    <div class="stack">
      {rows.length === 0 ? (
        <p class="muted">No parameters: the provider's own defaults apply.</p>
      ) : (
        <table class="params" aria-label={`${label} parameters`}>
          <thead>
            <tr>
              <th>Parameter</th>
              <th>Type</th>
              <th>Value</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) =>
              row.value === undefined ? (
                <tr key={`inherited:${row.key}`} class="inherited" data-param={row.key}>
                  <td>
                    <code>{row.key}</code>
                  </td>
                  <td>{row.inherited === undefined ? "" : paramType(row.inherited)}</td>
                  <td>
                    {formatParam(row.inherited)} <small>(catalog default)</small>
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => onChange(addParam(params, row.key, defaults))}>
                      Override
                    </button>
                  </td>
                </tr>
              ) : (
                <OwnRow key={row.key} row={row} value={row.value} params={params} onChange={onChange} error={errorOf(row.key)} />
              ),
            )}
          </tbody>
        </table>
      )}
      <div class="row">
        <input aria-label={`New ${label} parameter`} placeholder="Parameter name" list={listId} value={adding.value} onInput={(e) => (adding.value = e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), add())} />
        <datalist id={listId}>
          {unused.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
        <button type="button" onClick={add} disabled={!adding.value.trim()}>
          Add parameter
        </button>
        {addError.value && <span class="error">{addError.value}</span>}
      </div>
    </div>
  );
}

function OwnRow(props: { row: ParamRow; value: ParamValue; params: Params; onChange: (next: Params) => void; error: string | undefined }) {
  const { row, value, params, onChange } = props;
  const name = useSignal(row.key);
  const nameError = useSignal<string | null>(null);
  const type = paramType(value);
  const inherited = row.inherited === undefined ? "" : `catalog: ${formatParam(row.inherited)}`;
  const set = (next: ParamValue) => onChange(setParam(params, row.key, next));
  const commitName = () => {
    const next = name.value.trim();
    if (next === row.key) return;
    const check = checkParamKey(params, next, row.key);
    if (!check.ok) {
      nameError.value = check.message;
      name.value = row.key;
      return;
    }
    nameError.value = null;
    onChange(renameParam(params, row.key, next));
  };
  const types: ParamType[] = type === "null" ? [...paramTypes, "null"] : paramTypes;
  return (
    <tr data-param={row.key}>
      <td>
        <input aria-label="Parameter name" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} onChange={commitName} onKeyDown={(e) => e.key === "Enter" && commitName()} />
        {nameError.value && <div class="error">{nameError.value}</div>}
      </td>
      <td>
        <select aria-label={`Type of ${row.key}`} value={type} onChange={(e) => set(convertParam(value, types.find((t) => t === e.currentTarget.value) ?? type))}>
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </td>
      <td>
        {typeof value === "boolean" ? (
          <select aria-label={`Value of ${row.key}`} value={String(value)} onChange={(e) => set(e.currentTarget.value === "true")}>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : typeof value === "number" ? (
          <input aria-label={`Value of ${row.key}`} type="number" step="any" value={Number.isNaN(value) ? "" : String(value)} placeholder={inherited} onInput={(e) => set(parseNumberParam(e.currentTarget.value))} />
        ) : value === null ? (
          <span class="muted">null</span>
        ) : (
          <input aria-label={`Value of ${row.key}`} value={value} placeholder={inherited} onInput={(e) => set(e.currentTarget.value)} />
        )}
        {inherited && <small class="muted">{inherited}</small>}
        {props.error && <div class="error">{props.error}</div>}
      </td>
      <td>
        <button type="button" class="link danger" onClick={() => onChange(removeParam(params, row.key))}>
          {row.inherited === undefined ? "Remove" : "Use the default"}
        </button>
      </td>
    </tr>
  );
}
