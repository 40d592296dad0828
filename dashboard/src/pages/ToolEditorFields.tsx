// The tool editor's sections: the request (code, description, method, URL with its path
// parameters, body encoding, timeout), headers (plain, and write-only secret ones), secret query
// parameters, speech while the tool runs, and transfer rules. Each input edits the form through
// the store and shows its inline error.
import { urlPathParams } from "../../../packages/contracts/src/template.ts";
import { BodyEncoding, HttpMethod } from "../../../packages/contracts/src/tools.ts";
import { schemaOfField } from "../stores/schema-table.ts";
import type { ToolEditorStore } from "../stores/tool-editor.ts";
import { defaultProgressAfterMs, emptyRule, type EqualsType, type HeaderRow, type RuleRow, type ToolForm } from "../stores/tool-form.ts";
import { Field, NumberInput } from "../ui/fields.tsx";
import { KeyValueRows } from "../ui/KeyValueRows.tsx";

type Props = { store: ToolEditorStore };

const useForm = (store: ToolEditorStore) => ({
  form: store.form.value,
  err: (key: string) => store.fields.value[key],
  edit: (fn: (f: ToolForm) => void) => store.edit(fn),
});

export function RequestSection({ store }: Props) {
  const { form, err, edit } = useForm(store);
  if (!form) return null;
  const params = urlPathParams(form.url);
  const properties = schemaOfField(form.bodySchema).schema?.properties ?? {};
  return (
    <div class="section stack">
      <h2>Request</h2>
      <div class="grid">
        <Field label="Code" error={err("code")} hint="The name the LLM calls: lowercase letters, digits and _">
          <input value={form.code} placeholder="get_weather" onInput={(e) => edit((f) => void (f.code = e.currentTarget.value))} />
        </Field>
        <Field label="Method" error={err("method")}>
          <select value={form.method} onChange={(e) => edit((f) => void (f.method = HttpMethod.safeParse(e.currentTarget.value).data ?? f.method))}>
            {HttpMethod.options.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Body encoding" error={err("bodyEncoding")} hint={form.bodyEncoding === "form" ? "application/x-www-form-urlencoded, as Twilio and Stripe take it" : "application/json"}>
          <select value={form.bodyEncoding} onChange={(e) => edit((f) => void (f.bodyEncoding = BodyEncoding.safeParse(e.currentTarget.value).data ?? f.bodyEncoding))}>
            <option value="json">JSON</option>
            <option value="form">Form-encoded</option>
          </select>
        </Field>
        <Field label="Timeout (ms)" error={err("timeoutMs")} hint="100 to 60000">
          <NumberInput value={form.timeoutMs} min={100} max={60_000} step={100} onValue={(n) => edit((f) => void (f.timeoutMs = n))} />
        </Field>
      </div>
      <Field label="Description" error={err("description")} hint="Told to the LLM: what the tool does and when to call it">
        <textarea rows={3} value={form.description} onInput={(e) => edit((f) => void (f.description = e.currentTarget.value))} />
      </Field>
      <Field label="URL" error={err("url")} hint="A public address; in its path and query, {{variable}} inserts an agent variable and {param} a path parameter (a property of the body schema). The host is fixed: secret headers are only ever sent to it">
        <input value={form.url} placeholder="https://api.example.com/orders/{order_id}?lang={{language}}" onInput={(e) => edit((f) => void (f.url = e.currentTarget.value))} />
      </Field>
      {params.length > 0 && (
        <div class="chips vars">
          {params.map((p) => (
            <span key={p} class={Object.hasOwn(properties, p) ? "var ok" : "var unknown"} title={Object.hasOwn(properties, p) ? "a body schema property" : "not in the body schema"}>
              {`{${p}}`}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

export function HeadersSection({ store }: Props) {
  const { form, err, edit } = useForm(store);
  if (!form) return null;
  const savedNames = store.tool.value?.secretHeaderNames ?? [];
  const rowError = (prefix: string) => (i: number, row: HeaderRow) => err(`${prefix}.rows.${i}`) ?? (row.name.trim() ? err(`${prefix}.${row.name.trim()}`) : undefined);
  const startReplacing = () => edit((f) => void (f.secrets = { replace: true, rows: savedNames.map((name) => ({ name, value: "" })) }));
  const savedQuery = store.tool.value?.secretQueryParamNames ?? [];
  // A move to another origin drops the secret query parameters too: typing again asks for both.
  const typeAllAgain = () =>
    edit((f) => {
      f.secrets = { replace: true, rows: savedNames.map((name) => ({ name, value: "" })) };
      if (savedQuery.length > 0) f.querySecrets = { replace: true, rows: savedQuery.map((name) => ({ name, value: "" })) };
    });
  // Errors on secret names that no row shows (a clash with a kept, not replaced, secret).
  const loose = Object.entries(store.fields.value).filter(([k]) => k.startsWith("secretHeaders.") && !k.startsWith("secretHeaders.rows.") && !form.secrets.rows.some((r) => `secretHeaders.${r.name.trim()}` === k));
  return (
    <div class="section stack">
      <h2>Headers</h2>
      <h3>Plain headers</h3>
      <small class="muted">Sent as they are; values may hold {"{{variable}}"} placeholders.</small>
      <KeyValueRows label="Header" rows={form.headers} onChange={(rows) => edit((f) => void (f.headers = rows))} errorOf={rowError("headers")} valuePlaceholder="value or {{variable}}" />
      <h3>Secret headers</h3>
      <small class="muted">Write-only (API keys, tokens): stored encrypted, never shown again, not even to you.</small>
      {loose.map(([k, m]) => (
        <p key={k} class="error">
          {k.slice("secretHeaders.".length)}: {m}
        </p>
      ))}
      {store.droppedSecrets.value && (
        <p class="warn-text">
          The URL now points to {store.droppedSecrets.value.to ?? "another address"}, but the secret headers ({store.droppedSecrets.value.names.join(", ")}) were given for {store.droppedSecrets.value.from}: saving deletes them rather than sending them there.{" "}
          <button type="button" class="link" onClick={typeAllAgain}>
            Type them again for the new address
          </button>
        </p>
      )}
      {!form.secrets.replace ? (
        <div class="row">
          {savedNames.length === 0 ? <span class="muted">None.</span> : savedNames.map((n) => <code key={n}>{n}: ••••••</code>)}
          <button type="button" class="link" onClick={startReplacing}>
            {savedNames.length === 0 ? "Add secret headers" : "Replace all secret headers"}
          </button>
        </div>
      ) : (
        <>
          {!store.isNew && (
            <p class="warn-text">
              Saving replaces the whole set{savedNames.length > 0 ? ` (${savedNames.join(", ")})` : ""} with the rows below; type every value again.{" "}
              <button type="button" class="link" onClick={() => edit((f) => void (f.secrets = { replace: false, rows: [] }))}>
                Keep the saved ones
              </button>
            </p>
          )}
          <KeyValueRows label="Secret header" secret rows={form.secrets.rows} onChange={(rows) => edit((f) => void (f.secrets.rows = rows))} errorOf={rowError("secretHeaders")} namePlaceholder="X-Api-Key" valuePlaceholder="secret value" addLabel="Add a secret header" />
        </>
      )}
    </div>
  );
}

export function SecretQuerySection({ store }: Props) {
  const { form, err, edit } = useForm(store);
  if (!form) return null;
  const saved = store.tool.value?.secretQueryParamNames ?? [];
  const rowError = (i: number, row: HeaderRow) => err(`secretQueryParams.rows.${i}`) ?? (row.name.trim() ? err(`secretQueryParams.${row.name.trim()}`) : undefined);
  const loose = Object.entries(store.fields.value).filter(([k]) => k.startsWith("secretQueryParams.") && !k.startsWith("secretQueryParams.rows.") && !form.querySecrets.rows.some((r) => `secretQueryParams.${r.name.trim()}` === k));
  const q = form.querySecrets;
  return (
    <div class="section stack">
      <h2>Secret query parameters</h2>
      <small class="muted">Write-only, like secret headers: for APIs that take their key in the URL (say, ?api_key=…). Added to every request sent to the URL's own address, never logged.</small>
      {loose.map(([k, m]) => (
        <p key={k} class="error">
          {k.slice("secretQueryParams.".length)}: {m}
        </p>
      ))}
      {!q.replace ? (
        <div class="row">
          {saved.length === 0 ? <span class="muted">None.</span> : saved.map((n) => <code key={n}>{n}=••••••</code>)}
          <button type="button" class="link" onClick={() => edit((f) => void (f.querySecrets = { replace: true, rows: saved.map((name) => ({ name, value: "" })) }))}>
            {saved.length === 0 ? "Add secret query parameters" : "Replace all secret query parameters"}
          </button>
        </div>
      ) : (
        <>
          {!store.isNew && (
            <p class="warn-text">
              Saving replaces the whole set{saved.length > 0 ? ` (${saved.join(", ")})` : ""} with the rows below; type every value again.{" "}
              <button type="button" class="link" onClick={() => edit((f) => void (f.querySecrets = { replace: false, rows: [] }))}>
                Keep the saved ones
              </button>
            </p>
          )}
          <KeyValueRows label="Secret query parameter" secret rows={q.rows} onChange={(rows) => edit((f) => void (f.querySecrets.rows = rows))} errorOf={rowError} namePlaceholder="api_key" valuePlaceholder="secret value" addLabel="Add a secret query parameter" />
        </>
      )}
    </div>
  );
}

/** The imported arguments' OpenAPI styles (read-only: they say how the API expects each value written). */
export function ParameterStyles({ store }: Props) {
  const styles = Object.entries(store.form.value?.parameterStyles ?? {});
  if (styles.length === 0) return null;
  return (
    <div class="stack param-styles">
      <h3>How arguments are written</h3>
      <small class="muted">From the OpenAPI document (its style, explode and allowReserved); kept while the argument is in the body schema.</small>
      <table>
        <thead>
          <tr>
            <th>Argument</th>
            <th>Style</th>
            <th>Explode</th>
            <th>Reserved characters</th>
          </tr>
        </thead>
        <tbody>
          {styles.map(([name, s]) => (
            <tr key={name}>
              <td>
                <code>{name}</code>
              </td>
              <td>{s.style}</td>
              <td>{s.explode ? "yes" : "no"}</td>
              <td>{s.allowReserved ? "sent as they are" : "percent-encoded"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function SpeechSection({ store }: Props) {
  const { form, err, edit } = useForm(store);
  if (!form) return null;
  const p = form.progress;
  return (
    <div class="section stack">
      <h2>Speech while the tool runs</h2>
      <Field label="Before calling (optional)" error={err("preToolSpeech")} hint="Said as the call starts, e.g. “Let me check that for you.” May use {{variable}}.">
        <input value={form.preToolSpeech} maxLength={500} onInput={(e) => edit((f) => void (f.preToolSpeech = e.currentTarget.value))} />
      </Field>
      <label class="check">
        <input type="checkbox" checked={p.on} onChange={(e) => edit((f) => void (f.progress.on = e.currentTarget.checked))} />
        Say something if the call takes long
      </label>
      {err("progressSpeech") && <p class="error">{err("progressSpeech")}</p>}
      {p.on && (
        <div class="grid">
          <Field label="Progress text" error={err("progressSpeech.text")}>
            <input value={p.text} maxLength={500} placeholder="Still working on it…" onInput={(e) => edit((f) => void (f.progress.text = e.currentTarget.value))} />
          </Field>
          <Field label="After (ms)" error={err("progressSpeech.afterMs")} hint="200 to 60000">
            <NumberInput value={p.afterMs} min={200} max={60_000} step={100} placeholder={String(defaultProgressAfterMs)} onValue={(n) => edit((f) => void (f.progress.afterMs = n))} />
          </Field>
        </div>
      )}
    </div>
  );
}

const equalsTypes: EqualsType[] = ["string", "number", "boolean", "null"];

export function TransferRulesSection({ store, agents }: Props & { agents: { id: string; name: string }[] }) {
  const { form, err, edit } = useForm(store);
  if (!form) return null;
  const setRule = (i: number, patch: Partial<RuleRow>) => edit((f) => void (f.transferRules = f.transferRules.map((r, j) => (j === i ? { ...r, ...patch } : r))));
  const first = agents[0];
  return (
    <div class="section stack">
      <h2>Transfer rules</h2>
      <small class="muted">Hand the conversation to another agent of this space after the tool ran: when the LLM decides (“when”), when the result matches, or both.</small>
      {err("transferRules") && <p class="error">{err("transferRules")}</p>}
      {form.transferRules.map((r, i) => {
        const e = (key: string) => err(`transferRules.${i}.${key}`);
        return (
          <div key={i} class="card rule">
            <Field label="Target agent" error={e("targetAgentId")}>
              <select value={r.targetAgentId} onChange={(ev) => setRule(i, { targetAgentId: ev.currentTarget.value })}>
                {!agents.some((a) => a.id === r.targetAgentId) && <option value={r.targetAgentId}>{r.targetAgentId ? `${r.targetAgentId} (unknown)` : "Choose an agent"}</option>}
                {agents.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="When (for the LLM)" error={e("when") ?? err(`transferRules.${i}`)}>
              <input value={r.when} maxLength={500} placeholder="the caller wants a human" onInput={(ev) => setRule(i, { when: ev.currentTarget.value })} />
            </Field>
            <label class="check">
              <input type="checkbox" checked={r.matchResult} onChange={(ev) => setRule(i, { matchResult: ev.currentTarget.checked })} />
              Only when the result matches
            </label>
            {r.matchResult && (
              <>
                <Field label="Result path" error={e("resultMatch.path") ?? e("resultMatch")} hint="Dot-separated, e.g. order.status">
                  <input value={r.path} onInput={(ev) => setRule(i, { path: ev.currentTarget.value })} />
                </Field>
                <Field label="Equals" error={e("resultMatch.equals")}>
                  <div class="row">
                    <select aria-label="Value type" value={r.equalsType} onChange={(ev) => setRule(i, { equalsType: equalsTypes.find((t) => t === ev.currentTarget.value) ?? "string" })}>
                      {equalsTypes.map((t) => (
                        <option key={t} value={t}>
                          {t}
                        </option>
                      ))}
                    </select>
                    {r.equalsType !== "null" && <input class="grow" aria-label="Value" value={r.equals} placeholder={r.equalsType === "boolean" ? "true or false" : ""} onInput={(ev) => setRule(i, { equals: ev.currentTarget.value })} />}
                  </div>
                </Field>
              </>
            )}
            <button type="button" class="link danger" onClick={() => edit((f) => void (f.transferRules = f.transferRules.filter((_, j) => j !== i)))}>
              Remove rule
            </button>
          </div>
        );
      })}
      {first ? (
        <button type="button" class="link" onClick={() => edit((f) => void (f.transferRules = [...f.transferRules, emptyRule(first.id)]))}>
          Add a transfer rule
        </button>
      ) : (
        <p class="muted">This space has no agent to transfer to yet.</p>
      )}
    </div>
  );
}
