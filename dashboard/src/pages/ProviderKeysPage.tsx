// A space's provider keys (bring your own key): every member sees which exist (provider, name,
// the URL the key goes to, its last characters); Owners add one, replace its key, move it to
// another URL (with the key typed again) or delete it. A key typed here is sent once and never
// shown again.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ProviderCredential } from "../../../packages/contracts/src/provider-credentials.ts";
import { credentialProviderDefaults, credentialProviders } from "../../../packages/contracts/src/provider-params.ts";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import type { CredentialForm } from "../stores/provider-credentials.ts";
import { Field } from "../ui/fields.tsx";
import { formatDate, type FieldErrors } from "../ui/forms.ts";

export default function ProviderKeysPage({ space }: { space: Space }) {
  const { providerCredentials: store } = useStores();
  const error = useSignal<string | null>(null);
  const editing = useSignal<string | null>(null);
  const can = permissionsFor(space.role).manageProviderKeys;
  useEffect(() => {
    error.value = null;
    store.load(space.id).catch((err: unknown) => (error.value = errorMessage(err)));
  }, [space.id]);
  const remove = (c: ProviderCredential) => {
    if (!confirm(`Delete the provider key "${c.name}"? Agents must use another key first.`)) return;
    error.value = null;
    store.remove(c.id).catch((err: unknown) => (error.value = errorMessage(err)));
  };
  const list = store.credentials.value;
  return (
    <section>
      <h1>Provider keys</h1>
      <p class="muted">
        Your own keys for the model providers your agents use. Each key is sent only to its base URL; without one, an agent runs on the platform's key. Keys are
        stored encrypted and never shown again.
      </p>
      {!can && <p class="muted">Only Owners add, change or delete provider keys.</p>}
      {can && <AddForm />}
      {error.value && <p class="error">{error.value}</p>}
      {list.length === 0 ? (
        <p class="muted">{store.loading.value ? "Loading…" : "No provider keys yet: agents use the platform's keys."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Provider</th>
              <th>Name</th>
              <th>Sent to</th>
              <th>Key</th>
              <th>Updated</th>
              {can && <th><span class="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id}>
                <td>{c.provider}</td>
                <td>{c.name}</td>
                <td>
                  <code>{c.baseUrl}</code>
                </td>
                <td>
                  <code>{c.keyHint}</code>
                </td>
                <td>{formatDate(c.updatedAt)}</td>
                {can && (
                  <td>
                    {editing.value === c.id ? (
                      <EditForm credential={c} onDone={() => (editing.value = null)} />
                    ) : (
                      <div class="row">
                        <button type="button" class="link" onClick={() => (editing.value = c.id)}>
                          Change
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
    </section>
  );
}

const empty: CredentialForm = { provider: "openai-compatible", name: "", apiKey: "", baseUrl: "" };

function AddForm() {
  const { providerCredentials: store } = useStores();
  const form = useSignal<CredentialForm>(empty);
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const set = (patch: Partial<CredentialForm>) => (form.value = { ...form.value, ...patch });
  const submit = async (e: Event) => {
    e.preventDefault();
    const result = await store.create(form.value);
    if (result.ok) {
      form.value = empty; // the key leaves the page with the request
      fields.value = {};
      message.value = null;
    } else {
      fields.value = result.fields;
      message.value = result.message;
    }
  };
  const f = form.value;
  const defaultUrl = (credentialProviderDefaults as Record<string, string>)[f.provider] ?? "";
  return (
    <form class="card stack" onSubmit={submit} noValidate>
      <div class="grid">
        <Field label="Provider" error={fields.value["provider"]}>
          <select value={f.provider} onChange={(e) => set({ provider: e.currentTarget.value })}>
            {credentialProviders.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Name" error={fields.value["name"]}>
          <input value={f.name} placeholder="e.g. Our OpenAI account" onInput={(e) => set({ name: e.currentTarget.value })} />
        </Field>
        <Field label="Key" error={fields.value["apiKey"]}>
          <input type="password" autocomplete="off" value={f.apiKey} onInput={(e) => set({ apiKey: e.currentTarget.value })} />
        </Field>
        <Field label="Base URL" error={fields.value["baseUrl"]} hint="Where the key is sent; empty for the provider's public API">
          <input value={f.baseUrl} placeholder={defaultUrl} onInput={(e) => set({ baseUrl: e.currentTarget.value })} />
        </Field>
      </div>
      {message.value && <p class="error">{message.value}</p>}
      <div class="row">
        <button type="submit">Add key</button>
      </div>
    </form>
  );
}

function EditForm({ credential, onDone }: { credential: ProviderCredential; onDone: () => void }) {
  const { providerCredentials: store } = useStores();
  const name = useSignal(credential.name);
  const apiKey = useSignal("");
  const baseUrl = useSignal(credential.baseUrl);
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  // As credentialPatch reads it: an emptied URL field keeps the current URL.
  const url = baseUrl.value.trim().replace(/\/+$/, "");
  const moved = url !== "" && url !== credential.baseUrl;
  const submit = async (e: Event) => {
    e.preventDefault();
    const result = await store.update(credential, { name: name.value, apiKey: apiKey.value, baseUrl: baseUrl.value });
    if (result.ok) onDone();
    else {
      fields.value = result.fields;
      message.value = result.message;
    }
  };
  return (
    <form class="stack" onSubmit={submit} noValidate>
      <Field label="Name" error={fields.value["name"]}>
        <input value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />
      </Field>
      <Field label="Base URL" error={fields.value["baseUrl"]}>
        <input value={baseUrl.value} onInput={(e) => (baseUrl.value = e.currentTarget.value)} />
      </Field>
      <Field label={moved ? "Key (required for a new URL)" : "New key (empty keeps the current one)"} error={fields.value["apiKey"]}>
        <input type="password" autocomplete="off" value={apiKey.value} onInput={(e) => (apiKey.value = e.currentTarget.value)} />
      </Field>
      {message.value && <p class="error">{message.value}</p>}
      <div class="row">
        <button type="submit">Save</button>
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
