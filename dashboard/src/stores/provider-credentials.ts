// A space's provider keys (bring your own key): listed for every member, added, re-keyed, moved
// to another URL (only together with a new key, as the API insists) and deleted by Owners. The
// key itself only travels in the request that sets it; nothing here keeps it. Also: which key an
// agent's stage will use, as the model pickers show it. Pure parts tested without a DOM.
import { batch, signal } from "@preact/signals";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { ProviderCredential, CreateProviderCredentialBody, UpdateProviderCredentialBody } from "../../../packages/contracts/src/provider-credentials.ts";
import { isCredentialProvider, platformBaseUrl } from "../../../packages/contracts/src/provider-params.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import type { Api } from "../api/client.ts";
import { formErrors, zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export type ProviderCredentialsEvent =
  | { type: "loading"; spaceId: string }
  | { type: "loaded"; spaceId: string; credentials: ProviderCredential[] }
  | { type: "saved"; credential: ProviderCredential }
  | { type: "deleted"; credentialId: string };

export interface CredentialForm {
  provider: string;
  name: string;
  apiKey: string;
  /** Empty: the provider's public API. */
  baseUrl: string;
}

export type SaveResult = { ok: true; credential: ProviderCredential } | { ok: false; fields: FieldErrors; message: string | null };

/** The PATCH body for an edit: only what changed; a new URL without a key is refused here, as the API would. */
export function credentialPatch(current: ProviderCredential, form: { name: string; apiKey: string; baseUrl: string }): { ok: true; body: UpdateProviderCredentialBody } | { ok: false; fields: FieldErrors } {
  const raw: Record<string, string> = {};
  if (form.name.trim() !== current.name) raw["name"] = form.name;
  if (form.apiKey !== "") raw["apiKey"] = form.apiKey;
  const url = form.baseUrl.trim().replace(/\/+$/, "");
  if (url !== "" && url !== current.baseUrl) {
    raw["baseUrl"] = url;
    if (form.apiKey === "") return { ok: false, fields: { apiKey: "enter the key again: a key is never sent to a new URL without it" } };
  }
  const parsed = UpdateProviderCredentialBody.safeParse(raw);
  return parsed.success ? { ok: true, body: parsed.data } : { ok: false, fields: zodFieldErrors(parsed.error) };
}

export function createProviderCredentialsStore(api: Api) {
  const store = {
    spaceId: signal<string | null>(null),
    credentials: signal<ProviderCredential[]>([]),
    loading: signal(false),
  };
  const path = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}/provider-credentials`;
  async function load(spaceId: string): Promise<void> {
    applyProviderCredentialsEvent(store, { type: "loading", spaceId });
    const { data } = await api.json(listOf(ProviderCredential), "GET", path(spaceId));
    applyProviderCredentialsEvent(store, { type: "loaded", spaceId, credentials: data });
  }
  async function create(form: CredentialForm): Promise<SaveResult> {
    const spaceId = store.spaceId.value;
    if (!spaceId) throw new Error("no space is open");
    const parsed = CreateProviderCredentialBody.safeParse({ provider: form.provider, name: form.name, apiKey: form.apiKey, ...(form.baseUrl.trim() ? { baseUrl: form.baseUrl.trim() } : {}) });
    if (!parsed.success) return { ok: false, fields: zodFieldErrors(parsed.error), message: null };
    try {
      const credential = await api.json(ProviderCredential, "POST", path(spaceId), { body: parsed.data });
      applyProviderCredentialsEvent(store, { type: "saved", credential });
      return { ok: true, credential };
    } catch (err) {
      return { ok: false, ...formErrors(err) };
    }
  }
  async function update(current: ProviderCredential, form: { name: string; apiKey: string; baseUrl: string }): Promise<SaveResult> {
    const patch = credentialPatch(current, form);
    if (!patch.ok) return { ok: false, fields: patch.fields, message: null };
    try {
      const credential = await api.json(ProviderCredential, "PATCH", `/v1/provider-credentials/${encodeURIComponent(current.id)}`, { body: patch.body });
      applyProviderCredentialsEvent(store, { type: "saved", credential });
      return { ok: true, credential };
    } catch (err) {
      return { ok: false, ...formErrors(err) };
    }
  }
  async function remove(credentialId: string): Promise<void> {
    await api.empty("DELETE", `/v1/provider-credentials/${encodeURIComponent(credentialId)}`);
    applyProviderCredentialsEvent(store, { type: "deleted", credentialId });
  }
  return { ...store, load, create, update, remove };
}

export type ProviderCredentialsStore = ReturnType<typeof createProviderCredentialsStore>;
type State = Pick<ProviderCredentialsStore, "spaceId" | "credentials" | "loading">;

const order = (a: ProviderCredential, b: ProviderCredential) => a.provider.localeCompare(b.provider) || a.name.localeCompare(b.name);

export function applyProviderCredentialsEvent(store: State, event: ProviderCredentialsEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        // Never show one space's keys under another.
        if (store.spaceId.value !== event.spaceId) store.credentials.value = [];
        store.spaceId.value = event.spaceId;
        store.loading.value = true;
        break;
      case "loaded":
        if (store.spaceId.value !== event.spaceId) return;
        store.credentials.value = [...event.credentials].sort(order);
        store.loading.value = false;
        break;
      case "saved":
        if (store.spaceId.value !== event.credential.spaceId) return;
        store.credentials.value = [...store.credentials.value.filter((c) => c.id !== event.credential.id), event.credential].sort(order);
        break;
      case "deleted":
        store.credentials.value = store.credentials.value.filter((c) => c.id !== event.credentialId);
        break;
    }
  });
}

/** The space's keys a stage of `provider` may pick. */
export const credentialsFor = (provider: string, credentials: ProviderCredential[]) => credentials.filter((c) => c.provider === provider);

export type KeyUse =
  | { kind: "offline"; label: string }
  | { kind: "platform"; label: string }
  | { kind: "space"; label: string }
  | { kind: "missing"; label: string };

const host = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/**
 * Which key a stage will use and where it goes, in the words the model pickers show. `credentials`
 * is null while the space's keys are not known yet (loading, or the load failed): a picked key is
 * then not called missing.
 */
export function keyInUse(kind: "llm" | "stt" | "tts", choice: { provider: string; model: string; credentialId?: string | null | undefined }, catalog: CatalogModel[] | null, credentials: ProviderCredential[] | null): KeyUse {
  const model = catalog?.find((m) => m.kind === kind && m.provider === choice.provider && m.model === choice.model);
  if (model?.offline || (!isCredentialProvider(choice.provider) && !choice.credentialId)) return { kind: "offline", label: "no key (offline)" };
  if (choice.credentialId) {
    if (credentials === null) return { kind: "space", label: "space key" };
    const credential = credentials.find((c) => c.id === choice.credentialId);
    if (!credential) return { kind: "missing", label: "space key (not in this space's provider keys)" };
    return { kind: "space", label: `space key ‘${credential.name}’ ${credential.keyHint} → ${host(credential.baseUrl)}` };
  }
  // The platform's endpoint is the Admin's catalog URL when set, else the runtime's configuration.
  const adminUrl = model ? platformBaseUrl(model.defaultParams) : null;
  return { kind: "platform", label: adminUrl ? `platform key → ${host(adminUrl)}` : "platform key" };
}
