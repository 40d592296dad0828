// Twilio's connection forms: add (Account SID and credentials) and rename or rotate (credentials
// typed again, sent once, never shown).
import { useSignal } from "@preact/signals";
import type { TelephonyConnection } from "../../../packages/contracts/src/telephony.ts";
import { emptyConnectionForm, type ConnectionForm, type CredentialsForm, type TelephonyStore } from "../stores/telephony.ts";
import { Field } from "../ui/fields.tsx";
import type { FieldErrors } from "../ui/forms.ts";

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

export function AddTwilioForm({ store, onDone }: { store: TelephonyStore; onDone: () => void }) {
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

export function EditTwilioForm({ store, connection, onDone }: { store: TelephonyStore; connection: TelephonyConnection; onDone: () => void }) {
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
