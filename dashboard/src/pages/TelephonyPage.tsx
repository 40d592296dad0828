// A space's telephony (/app/spaces/:spaceId/telephony): its provider connections (Twilio accounts)
// and the phone numbers imported from them. Every member sees both; Owners add a connection, rename
// it or rotate its credentials (typed again, sent once, never shown: the list shows a hint), delete
// it, and import, edit and release numbers (TelephonyNumbers.tsx).
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import type { TelephonyConnection } from "../../../packages/contracts/src/telephony.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { createTelephonyStore, emptyConnectionForm, type ConnectionForm, type CredentialsForm, type TelephonyStore } from "../stores/telephony.ts";
import { Field } from "../ui/fields.tsx";
import { formatDate, type FieldErrors } from "../ui/forms.ts";
import "../ui/telephony.css";
import { NumbersSection } from "./TelephonyNumbers.tsx";

export default function TelephonyPage({ space }: { space: Space }) {
  const { api, agents } = useStores();
  const store = useMemo(() => createTelephonyStore(api), [api]);
  const can = permissionsFor(space.role).manageTelephony;
  const agentsError = useSignal<string | null>(null);
  useEffect(() => {
    void store.load(space.id);
    // The numbers table names the agent each number answers with.
    if (agents.spaceId.value !== space.id || agents.agents.value.length === 0) agents.load(space.id).catch((err: unknown) => (agentsError.value = errorMessage(err)));
  }, [space.id]);
  return (
    <section class="telephony">
      <h1>Telephony</h1>
      <p class="muted">
        Connect a Twilio account, import its phone numbers and bind each to an agent that answers its calls. Agents call out from these numbers too. Credentials are
        stored encrypted and never shown again.
      </p>
      {!can && <p class="muted">Only Owners add connections and import, change or release numbers.</p>}
      <ConnectionsSection store={store} can={can} />
      {agentsError.value && <p class="error">Could not load the agents: {agentsError.value}</p>}
      <NumbersSection store={store} spaceId={space.id} can={can} />
    </section>
  );
}

function ConnectionsSection({ store, can }: { store: TelephonyStore; can: boolean }) {
  const editing = useSignal<string | null>(null);
  const adding = useSignal(false);
  const error = useSignal<string | null>(null);
  const remove = (c: TelephonyConnection) => {
    const numbers = c.numberCount === 1 ? "its number is" : `its ${c.numberCount} numbers are`;
    if (!confirm(`Delete the connection "${c.name}"? ${c.numberCount > 0 ? `${numbers} removed from this space too. ` : ""}The Twilio account itself is not changed.`)) return;
    error.value = null;
    store.removeConnection(c.id).catch((err: unknown) => (error.value = errorMessage(err)));
  };
  const list = store.connections.value;
  return (
    <div class="card stack" data-section="connections">
      <div class="row">
        <h2>Connections</h2>
        <span class="spacer" />
        {can && !adding.value && (
          <button type="button" onClick={() => (adding.value = true)}>
            Add Twilio connection
          </button>
        )}
      </div>
      {adding.value && <AddConnectionForm store={store} onDone={() => (adding.value = false)} />}
      {error.value && <p class="error">{error.value}</p>}
      {store.connectionsError.value && <p class="error">Could not load the connections: {store.connectionsError.value}</p>}
      {list.length === 0 ? (
        !store.connectionsError.value && <p class="muted">{store.loading.value ? "Loading…" : "No connection yet: add a Twilio account to import its numbers."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Provider</th>
              <th>Account</th>
              <th>Credentials</th>
              <th>Numbers</th>
              <th>Updated</th>
              {can && <th><span class="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id} data-connection={c.id}>
                <td>{c.name}</td>
                <td>{c.provider === "twilio" ? "Twilio" : c.provider}</td>
                <td>
                  <code>{c.accountId}</code>
                </td>
                <td>
                  {c.authType === "api_key" ? "API key" : "Auth Token"} <code>{c.secretHint}</code>
                </td>
                <td>{c.numberCount}</td>
                <td>{formatDate(c.updatedAt)}</td>
                {can && (
                  <td>
                    {editing.value === c.id ? (
                      <EditConnectionForm store={store} connection={c} onDone={() => (editing.value = null)} />
                    ) : (
                      <div class="row">
                        <button type="button" class="link" onClick={() => (editing.value = c.id)}>
                          Rename or rotate
                        </button>
                        <button type="button" class="link danger" onClick={() => remove(c)}>
                          Delete
                        </button>
                      </div>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Auth type and the secrets it needs; every secret input is a password field emptied after sending. */
function CredentialFields({ form, set, fields }: { form: CredentialsForm; set: (patch: Partial<CredentialsForm>) => void; fields: FieldErrors }) {
  const secret = (key: "authToken" | "apiKeySecret", label: string, hint?: string) => (
    <Field label={label} error={fields[`auth.${key}`]} {...(hint ? { hint } : {})}>
      <input type="password" autocomplete="off" value={form[key]} onInput={(e) => set({ [key]: e.currentTarget.value })} />
    </Field>
  );
  return (
    <>
      <Field label="Authenticate with" error={fields["auth.type"] ?? fields["auth"]}>
        <select value={form.authType} onChange={(e) => set({ authType: e.currentTarget.value === "api_key" ? "api_key" : "auth_token" })}>
          <option value="auth_token">Auth Token</option>
          <option value="api_key">API key (recommended) + Auth Token</option>
        </select>
      </Field>
      {form.authType === "api_key" && (
        <>
          <Field label="API key SID" error={fields["auth.apiKeySid"]}>
            <input value={form.apiKeySid} placeholder="SK…" autocomplete="off" spellcheck={false} onInput={(e) => set({ apiKeySid: e.currentTarget.value })} />
          </Field>
          {secret("apiKeySecret", "API key secret")}
        </>
      )}
      {secret("authToken", "Auth Token", form.authType === "api_key" ? "Twilio signs its webhooks with the Auth Token: needed to verify them" : "From the Twilio console's account info")}
    </>
  );
}

function AddConnectionForm({ store, onDone }: { store: TelephonyStore; onDone: () => void }) {
  const form = useSignal<ConnectionForm>(emptyConnectionForm);
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const set = (patch: Partial<ConnectionForm>) => (form.value = { ...form.value, ...patch });
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    const result = await store.createConnection(form.value);
    busy.value = false;
    if (result.ok) {
      form.value = emptyConnectionForm; // the secrets leave the page with the request
      onDone();
    } else {
      fields.value = result.fields;
      message.value = result.message;
    }
  };
  const f = form.value;
  return (
    <form class="stack connection-form" onSubmit={submit} noValidate aria-label="Add Twilio connection">
      <p class="muted">The credentials are checked with Twilio before they are saved.</p>
      <div class="grid">
        <Field label="Name" error={fields.value["name"]}>
          <input value={f.name} placeholder="e.g. Support line account" onInput={(e) => set({ name: e.currentTarget.value })} />
        </Field>
        <Field label="Account SID" error={fields.value["accountSid"]}>
          <input value={f.accountSid} placeholder="AC…" autocomplete="off" spellcheck={false} onInput={(e) => set({ accountSid: e.currentTarget.value })} />
        </Field>
        <CredentialFields form={f} set={set} fields={fields.value} />
      </div>
      {message.value && <p class="error">{message.value}</p>}
      <div class="row">
        <button type="submit" disabled={busy.value}>
          {busy.value ? "Checking with Twilio…" : "Add connection"}
        </button>
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function EditConnectionForm({ store, connection, onDone }: { store: TelephonyStore; connection: TelephonyConnection; onDone: () => void }) {
  const name = useSignal(connection.name);
  const rotate = useSignal(false);
  const creds = useSignal<CredentialsForm>({ ...emptyConnectionForm, authType: connection.authType === "api_key" ? "api_key" : "auth_token" });
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    const result = await store.updateConnection(connection, { name: name.value, rotate: rotate.value, ...creds.value });
    busy.value = false;
    if (result.ok) onDone();
    else {
      fields.value = result.fields;
      message.value = result.message;
    }
  };
  return (
    <form class="stack" onSubmit={submit} noValidate aria-label={`Change ${connection.name}`}>
      <Field label="Name" error={fields.value["name"]}>
        <input value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />
      </Field>
      <label class="inline">
        <input type="checkbox" checked={rotate.value} onChange={(e) => (rotate.value = e.currentTarget.checked)} />
        Rotate the credentials
      </label>
      {rotate.value && <CredentialFields form={creds.value} set={(patch) => (creds.value = { ...creds.value, ...patch })} fields={fields.value} />}
      {message.value && <p class="error">{message.value}</p>}
      <div class="row">
        <button type="submit" disabled={busy.value}>
          {busy.value ? "Saving…" : "Save"}
        </button>
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
