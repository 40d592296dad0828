// API keys of a space (Owners): create one (its secret is shown once, right here, until
// dismissed), list them by name and prefix, revoke.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { CreateApiKeyBody } from "../../../packages/contracts/src/spaces.ts";
import { errorMessage } from "../api/client.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { formatDate, formErrors } from "../ui/forms.ts";

export default function ApiKeysPage({ spaceId }: { spaceId: string }) {
  const { apiKeys, spaces } = useStores();
  const error = useSignal<string | null>(null);
  const name = useSignal("");
  const allowed = permissionsFor(spaces.role.value).manageApiKeys;
  useEffect(() => {
    if (!allowed) return;
    error.value = null;
    apiKeys.load(spaceId).catch((err: unknown) => (error.value = errorMessage(err)));
  }, [spaceId, allowed]);
  if (!allowed) return <p class="error">Only Owners of this space manage its API keys.</p>;

  const create = async (e: Event) => {
    e.preventDefault();
    error.value = null;
    const parsed = CreateApiKeyBody.safeParse({ name: name.value });
    if (!parsed.success) {
      error.value = `Name ${parsed.error.issues[0]?.message ?? "is invalid"}`;
      return;
    }
    try {
      await apiKeys.create(parsed.data.name);
      name.value = "";
    } catch (err) {
      const f = formErrors(err);
      error.value = f.fields["name"] ? `Name ${f.fields["name"]}` : f.message;
    }
  };
  const revoke = (id: string, keyName: string) => {
    if (!confirm(`Revoke "${keyName}"? Anything using it stops working at once.`)) return;
    apiKeys.revoke(id).catch((err: unknown) => (error.value = errorMessage(err)));
  };
  const revealed = apiKeys.revealed.value;

  return (
    <section>
      <h1>API keys</h1>
      <p class="muted">Keys act in this space with Member rights: they work on agents, tools, sessions and campaigns, but cannot manage members, invitations, API keys, provider keys, telephony or the space itself. Keep them on servers, never in web pages.</p>
      <form class="row" onSubmit={create}>
        <input aria-label="Key name" placeholder="Key name, e.g. CRM integration" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />
        <button type="submit">Create key</button>
      </form>
      {error.value && <p class="error">{error.value}</p>}
      {revealed && (
        <div class="card secret" role="alert">
          <p>
            <strong>{revealed.name}</strong>: copy this secret now. It will not be shown again.
          </p>
          <code>{revealed.key}</code>
          <div class="row">
            <button onClick={() => void navigator.clipboard?.writeText(revealed.key)}>Copy</button>
            <button class="link" onClick={apiKeys.dismiss}>
              I have stored it
            </button>
          </div>
        </div>
      )}
      {apiKeys.keys.value.length === 0 ? (
        <p class="muted">{apiKeys.loading.value ? "Loading…" : "No API keys yet."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Created</th>
              <th>Last used</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {apiKeys.keys.value.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{formatDate(k.createdAt)}</td>
                <td>{formatDate(k.lastUsedAt)}</td>
                <td>
                  <button class="link danger" onClick={() => revoke(k.id, k.name)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
