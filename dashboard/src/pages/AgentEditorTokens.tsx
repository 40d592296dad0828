// The embed area's agent tokens: issue one for a page (name, lifetime, the origins that may use
// it), see the agent's tokens with their state, and revoke one. The token is shown once.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { errorMessage } from "../api/client.ts";
import { createAgentTokensStore, issueRequest } from "../stores/agent-tokens.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { CopyButton, Field } from "../ui/fields.tsx";
import { formatDate, type FieldErrors } from "../ui/forms.ts";

const lifetimes = [1, 8, 24];

export function AgentTokensSection({ agentId }: { agentId: string }) {
  const { api, spaces } = useStores();
  const canEdit = permissionsFor(spaces.role.value).editAgents;
  const store = useMemo(() => createAgentTokensStore(api, agentId), [api, agentId]);
  const name = useSignal("");
  const ttlHours = useSignal(1);
  const origins = useSignal("");
  const fields = useSignal<FieldErrors>({});
  const error = useSignal<string | null>(null);
  useEffect(() => {
    store.load().catch((e: unknown) => (error.value = errorMessage(e)));
  }, [store]);

  const issue = (e: Event) => {
    e.preventDefault();
    const req = issueRequest({ name: name.value, ttlHours: ttlHours.value, origins: origins.value });
    if ("errors" in req) return void (fields.value = req.errors);
    fields.value = {};
    error.value = null;
    store.issue(req.body).then(
      () => ((name.value = ""), (origins.value = "")),
      (err: unknown) => (error.value = errorMessage(err)),
    );
  };
  const revoke = (id: string, label: string) => {
    if (!confirm(`Revoke ${label}? Pages using it can start no more sessions.`)) return;
    store.revoke(id).catch((err: unknown) => (error.value = errorMessage(err)));
  };
  const revealed = store.revealed.value;

  return (
    <div class="stack">
      <h3>Agent tokens</h3>
      <p class="muted">
        A page can start sessions with an agent token (the widget's <code>agent-token</code>) instead of being one of the allowed origins above. The token is the credential: without
        origins of its own, any page holding it may use it until it expires or is revoked.
      </p>
      {canEdit && (
        <form class="stack" onSubmit={issue}>
          <div class="grid">
            <Field label="Name" error={fields.value["name"]} hint="So you can tell tokens apart">
              <input value={name.value} placeholder="shop.example checkout" onInput={(e) => (name.value = e.currentTarget.value)} />
            </Field>
            <Field label="Valid for" error={fields.value["ttlS"]}>
              <select value={String(ttlHours.value)} onChange={(e) => (ttlHours.value = Number(e.currentTarget.value))}>
                {lifetimes.map((h) => (
                  <option key={h} value={String(h)}>
                    {h} {h === 1 ? "hour" : "hours"}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Origins that may use it" error={fields.value["allowedOrigins"]} hint="e.g. https://shop.example; empty: every page">
              <input value={origins.value} placeholder="https://shop.example" onInput={(e) => (origins.value = e.currentTarget.value)} />
            </Field>
          </div>
          <div class="row">
            <button type="submit">Issue token</button>
          </div>
        </form>
      )}
      {error.value && <p class="error">{error.value}</p>}
      {revealed && (
        <div class="card secret" role="alert">
          <p>
            <strong>{revealed.name ?? "The new token"}</strong>: copy it now, it will not be shown again. It expires {formatDate(revealed.expiresAt)}.
          </p>
          <code>{revealed.token}</code>
          <div class="row">
            <CopyButton text={revealed.token} label="Copy token" />
            <button type="button" class="link" onClick={store.dismiss}>
              I have stored it
            </button>
          </div>
        </div>
      )}
      {store.tokens.value.length === 0 ? (
        <p class="muted">{store.loading.value ? "Loading…" : "No agent tokens yet."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Origins</th>
              <th>State</th>
              <th>Expires</th>
              <th>Last used</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {store.tokens.value.map((t) => (
              <tr key={t.id}>
                <td>{t.name ?? <span class="muted">unnamed</span>}</td>
                <td>{t.allowedOrigins.length === 0 ? <span class="muted">any page</span> : t.allowedOrigins.join(", ")}</td>
                <td>{t.status}</td>
                <td>{formatDate(t.expiresAt)}</td>
                <td>{formatDate(t.lastUsedAt)}</td>
                <td>
                  {canEdit && t.status === "active" && (
                    <button type="button" class="link danger" onClick={() => revoke(t.id, t.name ?? "this token")}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
