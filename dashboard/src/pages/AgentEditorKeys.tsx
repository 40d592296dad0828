// Which key a stage of the agent runs on, next to its model picker: "no key (offline)", the
// platform's key (and the Admin's endpoint when the catalog names one), or one of the space's
// provider keys for that provider, picked here. The space's keys come from the provider keys store.
import { useEffect } from "preact/hooks";
import type { CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { spacePath } from "../router.ts";
import { useStores } from "../stores/index.ts";
import { credentialsFor, keyInUse } from "../stores/provider-credentials.ts";
import { Field } from "../ui/fields.tsx";

export function KeyPicker(props: {
  kind: "llm" | "stt" | "tts";
  spaceId: string;
  choice: { provider: string; model: string; credentialId?: string | null | undefined };
  catalog: CatalogModel[] | null;
  error: string | undefined;
  onPick: (credentialId: string | null) => void;
}) {
  const { providerCredentials } = useStores();
  useEffect(() => {
    if (providerCredentials.spaceId.value !== props.spaceId) providerCredentials.load(props.spaceId).catch(() => {});
  }, [props.spaceId]);
  // Until this space's keys have loaded, a picked key is neither listed nor called missing.
  const known = providerCredentials.spaceId.value === props.spaceId && !providerCredentials.loading.value ? providerCredentials.credentials.value : null;
  const use = keyInUse(props.kind, props.choice, props.catalog, known);
  if (use.kind === "offline") return <p class="muted">Key: {use.label}</p>;
  const options = credentialsFor(props.choice.provider, known ?? []);
  // The picked key keeps an option of its own when it is not (yet) listed, so the select never shows "Platform key" for it.
  const unlisted = props.choice.credentialId && !options.some((c) => c.id === props.choice.credentialId) ? props.choice.credentialId : null;
  return (
    <Field label="Key" error={props.error ?? (use.kind === "missing" ? use.label : undefined)} hint={`Uses: ${use.label}`}>
      <select aria-label={`${props.kind.toUpperCase()} key`} value={props.choice.credentialId ?? ""} onChange={(e) => props.onPick(e.currentTarget.value === "" ? null : e.currentTarget.value)}>
        <option value="">Platform key</option>
        {unlisted && <option value={unlisted}>{use.label}</option>}
        {options.map((c) => (
          <option key={c.id} value={c.id}>
            {`Space key ‘${c.name}’ ${c.keyHint}`}
          </option>
        ))}
      </select>
      {known && options.length === 0 && (
        <small class="muted">
          No {props.choice.provider} keys in this space: <a href={spacePath(props.spaceId, "providerKeys")}>add one</a>.
        </small>
      )}
    </Field>
  );
}
