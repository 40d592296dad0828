// The catalog's two forms: add a model (kind, a provider the runtime has a driver for, model,
// display name, languages, default parameters) and edit one's display name, languages and
// default parameters. Both check the draft with the API's own schema before sending.
import { useSignal } from "@preact/signals";
import { ModelKind, providersByKind, type CatalogModel } from "../../../packages/contracts/src/catalog.ts";
import { catalogFormErrors, editDraftOf, emptyDraft, type CreateDraft, type EditDraft } from "../stores/admin-catalog.ts";
import { useStores } from "../stores/index.ts";
import { Field } from "../ui/fields.tsx";
import type { FieldErrors } from "../ui/forms.ts";

export const kindLabels: Record<ModelKind, string> = { llm: "LLM", stt: "Speech to text", tts: "Text to speech", vad: "Voice activity" };

const languagesHint = "Comma-separated BCP 47 tags, e.g. en, de-DE; empty = any language";
const paramsHint = 'A JSON object, e.g. {"temperature": 0.7}; empty = none';

function useFormState() {
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  /** Runs `action`, showing its errors by field; resolves its result, or null when it failed. */
  const run = async <T,>(action: () => Promise<T>): Promise<T | null> => {
    busy.value = true;
    fields.value = {};
    message.value = null;
    try {
      return await action();
    } catch (err) {
      const f = catalogFormErrors(err);
      fields.value = f.fields;
      message.value = f.message;
      return null;
    } finally {
      busy.value = false;
    }
  };
  return { fields, message, busy, run };
}

export function CreateModelForm({ onDone }: { onDone: (model: CatalogModel) => void }) {
  const { admin } = useStores();
  const draft = useSignal<CreateDraft>(emptyDraft());
  const form = useFormState();
  const set = <K extends keyof CreateDraft>(key: K, value: CreateDraft[K]) => (draft.value = { ...draft.value, [key]: value });
  const d = draft.value;
  const err = form.fields.value;
  const submit = async (e: Event) => {
    e.preventDefault();
    const created = await form.run(() => admin.catalog.create(draft.value));
    if (!created) return;
    draft.value = emptyDraft(draft.value.kind);
    onDone(created);
  };
  return (
    <form class="card" onSubmit={submit} noValidate>
      <h2>Add a model</h2>
      <div class="grid">
        <Field label="Kind" error={err["kind"]}>
          <select value={d.kind} onChange={(e) => {
              // Providers differ per kind: start from the new kind's first one.
              const kind = ModelKind.parse(e.currentTarget.value);
              draft.value = { ...d, kind, provider: providersByKind[kind][0] };
            }}>
            {ModelKind.options.map((k) => (
              <option key={k} value={k}>
                {kindLabels[k]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Provider" error={err["provider"]}>
          <select value={d.provider} onChange={(e) => set("provider", e.currentTarget.value)}>
            {providersByKind[d.kind].map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Model" error={err["model"]} hint="The provider's model id, e.g. gpt-4o-mini">
          <input value={d.model} onInput={(e) => set("model", e.currentTarget.value)} />
        </Field>
        <Field label="Display name" error={err["displayName"]}>
          <input value={d.displayName} onInput={(e) => set("displayName", e.currentTarget.value)} />
        </Field>
        <Field label="Languages" error={err["languages"]} hint={languagesHint}>
          <input value={d.languages} onInput={(e) => set("languages", e.currentTarget.value)} />
        </Field>
      </div>
      <Field label="Default parameters" error={err["defaultParams"]} hint={paramsHint}>
        <textarea rows={3} value={d.defaultParams} onInput={(e) => set("defaultParams", e.currentTarget.value)} />
      </Field>
      <div class="row">
        <label class="inline">
          <input type="checkbox" checked={d.enabled} onChange={(e) => set("enabled", e.currentTarget.checked)} /> Enabled: agents may choose it
        </label>
        <button type="submit" disabled={form.busy.value}>
          Add model
        </button>
      </div>
      {form.message.value && <p class="error">{form.message.value}</p>}
    </form>
  );
}

export function EditModelForm({ model, onDone }: { model: CatalogModel; onDone: () => void }) {
  const { admin } = useStores();
  const draft = useSignal<EditDraft>(editDraftOf(model));
  const form = useFormState();
  const set = <K extends keyof EditDraft>(key: K, value: EditDraft[K]) => (draft.value = { ...draft.value, [key]: value });
  const err = form.fields.value;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await form.run(() => admin.catalog.update(model.id, draft.value))) onDone();
  };
  return (
    <form onSubmit={submit} noValidate>
      <div class="grid">
        <Field label="Display name" error={err["displayName"]}>
          <input value={draft.value.displayName} onInput={(e) => set("displayName", e.currentTarget.value)} />
        </Field>
        <Field label="Languages" error={err["languages"]} hint={languagesHint}>
          <input value={draft.value.languages} onInput={(e) => set("languages", e.currentTarget.value)} />
        </Field>
      </div>
      <Field label="Default parameters" error={err["defaultParams"]} hint={paramsHint}>
        <textarea rows={4} value={draft.value.defaultParams} onInput={(e) => set("defaultParams", e.currentTarget.value)} />
      </Field>
      <div class="row">
        <button type="submit" disabled={form.busy.value}>
          Save
        </button>
        <button type="button" class="link" onClick={onDone}>
          Cancel
        </button>
      </div>
      {form.message.value && <p class="error">{form.message.value}</p>}
    </form>
  );
}
