// What the selected operations' security schemes ask the user to fill in: HTTP basic → a username
// and a password (sent as `basicAuth`, stored as an `Authorization: Basic …` secret header), a
// bearer token → the `Authorization: Bearer …` secret header, an API key → a secret header or a
// secret query parameter; plus any further secret headers. All write-only: stored encrypted,
// bound to the API's origin, never shown again; the page forgets them once the tools are created.
import type { ImportCredential } from "../../../packages/contracts/src/tools.ts";
import type { ToolImportStore } from "../stores/tool-import.ts";
import { Field } from "../ui/fields.tsx";
import { KeyValueRows } from "../ui/KeyValueRows.tsx";

const secretInput = { type: "password", autoComplete: "new-password", spellcheck: false } as const;

export function ImportCredentials({ store }: { store: ToolImportStore }) {
  const input = store.input.value;
  const c = input.credentials;
  const err = (key: string) => store.fields.value[key];
  const needed = store.credentials.value;
  const missing = store.missing.value;
  const basicAndBearer = needed.some((n) => n.kind === "basic") && needed.some((n) => n.kind === "bearer");
  const describe = (n: ImportCredential) => (n.description ? ` — ${n.description}` : "");
  return (
    <fieldset class="stack credentials">
      <legend>Credentials for the created tools</legend>
      {needed.length === 0 ? (
        <p class="muted">{store.selected.value.length > 0 ? "The selected operations' security asks for nothing." : "Select operations to see what their security asks for."}</p>
      ) : (
        <p class="muted">
          What the {store.selected.value.length > 0 ? "selected operations'" : "document's"} security asks for. Stored encrypted, sent only to the API's own address, never shown again.
          {basicAndBearer ? " Fill in either the username and password or the token." : ""}
        </p>
      )}
      {needed.map((n) => {
        switch (n.kind) {
          case "basic":
            return (
              <div key="basic" class="grid" role="group" aria-label={`HTTP basic authentication (${n.scheme})`}>
                <Field label={`Username (${n.scheme}, HTTP basic)`} error={err("credentials.basic")} hint={`Sent as Authorization: Basic …${describe(n)}`}>
                  <input value={c.username} autoComplete="off" spellcheck={false} onInput={(e) => store.edit((i) => void (i.credentials.username = e.currentTarget.value))} />
                </Field>
                <Field label={`Password (${n.scheme}, HTTP basic)`}>
                  <input {...secretInput} value={c.password} onInput={(e) => store.edit((i) => void (i.credentials.password = e.currentTarget.value))} />
                </Field>
              </div>
            );
          case "bearer":
            return (
              <Field key="bearer" label={`Bearer token (${n.scheme})`} error={err("credentials.bearer")} hint={`Sent as Authorization: Bearer …${describe(n)}`}>
                <input {...secretInput} value={c.bearer} onInput={(e) => store.edit((i) => void (i.credentials.bearer = e.currentTarget.value))} />
              </Field>
            );
          case "header":
            return (
              <Field key={`header:${n.name}`} label={`Header ${n.name} (${n.scheme})`} error={err(`credentials.header.${n.name}`)} {...(n.description ? { hint: n.description } : {})}>
                <input {...secretInput} value={c.headers[n.name] ?? ""} onInput={(e) => store.edit((i) => void (i.credentials.headers[n.name] = e.currentTarget.value))} />
              </Field>
            );
          case "query":
            return (
              <Field key={`query:${n.name}`} label={`Query parameter ${n.name} (${n.scheme})`} error={err(`credentials.query.${n.name}`)} hint={`Added to every request's URL${describe(n)}`}>
                <input {...secretInput} value={c.query[n.name] ?? ""} onInput={(e) => store.edit((i) => void (i.credentials.query[n.name] = e.currentTarget.value))} />
              </Field>
            );
        }
      })}
      {missing.length > 0 && store.selected.value.length > 0 && (
        <p class="warn-text">Left empty, the created tools call the API without: {missing.map((m) => (m.kind === "basic" ? "the username and password" : m.kind === "bearer" ? "the bearer token" : m.name)).join(", ")}.</p>
      )}
      <details class="more-secrets" open={input.secrets.length > 0}>
        <summary>More secret headers (optional)</summary>
        <KeyValueRows
          label="Import secret header"
          secret
          rows={input.secrets}
          onChange={(rows) => store.edit((i) => void (i.secrets = rows))}
          errorOf={(i, row) => err(`secretHeaders.rows.${i}`) ?? (row.name.trim() ? err(`secretHeaders.${row.name.trim()}`) : undefined)}
          namePlaceholder="X-Api-Key"
          valuePlaceholder="secret value"
          addLabel="Add a secret header"
        />
      </details>
    </fieldset>
  );
}
