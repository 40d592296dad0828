// The provider catalog as the platform Admin manages it: every model, disabled ones included;
// add one, enable or disable it, edit its display name, languages and default parameters. Forms
// hold text (languages comma-separated, parameters as JSON); the draft schemas turn that text into
// the API's own bodies, so a form shows the same field errors the API would answer.
import { batch, signal } from "@preact/signals";
import { z } from "zod";
import {
  CatalogModel,
  CreateCatalogModelBody,
  ModelKind,
  providersByKind,
  UpdateCatalogModelBody,
} from "../../../packages/contracts/src/catalog.ts";
import { errorMessage, type Api } from "../api/client.ts";
import { formErrors, type FieldErrors } from "../ui/forms.ts";

const Catalog = z.object({ data: z.array(CatalogModel) });

/** Comma- or space-separated language tags, e.g. "en, de-DE"; empty = any language. */
const languagesOf = (text: string) => [...new Set(text.split(/[\s,]+/).filter(Boolean))];

/** A JSON object of parameters, e.g. {"temperature": 0.7}; empty = none. */
const ParamsText = z.string().transform((text, ctx): unknown => {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: 'must be a JSON object, e.g. {"temperature": 0.7}' });
    return z.NEVER;
  }
});

export interface CreateDraft {
  kind: ModelKind;
  provider: string;
  model: string;
  displayName: string;
  languages: string;
  defaultParams: string;
  enabled: boolean;
}

export type EditDraft = Pick<CreateDraft, "displayName" | "languages" | "defaultParams">;

/** The form's text turned into `body`'s input and checked by it; throws one ZodError with every issue. */
function parseDraft<S extends z.ZodType>(body: S, draft: EditDraft & Partial<CreateDraft>): z.output<S> {
  const params = ParamsText.safeParse(draft.defaultParams);
  const parsed = body.safeParse({ ...draft, languages: languagesOf(draft.languages), defaultParams: params.success ? params.data : {} });
  const issues = [...(params.success ? [] : params.error.issues.map((i) => ({ ...i, path: ["defaultParams", ...i.path] }))), ...(parsed.success ? [] : parsed.error.issues)];
  // ZodRealError is what `parse` throws: unlike z.ZodError, it is an Error, as formErrors expects.
  if (issues.length > 0 || !parsed.success) throw new z.ZodRealError(issues);
  return parsed.data;
}

export const createBodyFrom = (draft: CreateDraft) => parseDraft(CreateCatalogModelBody, draft);
export const updateBodyFrom = (draft: EditDraft) => parseDraft(UpdateCatalogModelBody, draft);

export function emptyDraft(kind: ModelKind = "llm"): CreateDraft {
  return { kind, provider: providersByKind[kind][0], model: "", displayName: "", languages: "", defaultParams: "", enabled: true };
}

export function editDraftOf(model: CatalogModel): EditDraft {
  const params = Object.keys(model.defaultParams).length > 0 ? JSON.stringify(model.defaultParams, null, 2) : "";
  return { displayName: model.displayName, languages: model.languages.join(", "), defaultParams: params };
}

/**
 * Field errors keyed by the form's fields: `languages.1` (from the schema) and `body.languages.1`
 * (from the API) both land on `languages`, saying which entry.
 */
export function catalogFormErrors(err: unknown): { fields: FieldErrors; message: string | null } {
  const { fields, message } = formErrors(err);
  const out: FieldErrors = {};
  for (const [key, text] of Object.entries(fields)) {
    const [field = "_", ...rest] = key.split(".");
    out[field] ??= rest.length > 0 ? `${rest.join(".")}: ${text}` : text;
  }
  return { fields: out, message };
}

export type AdminCatalogEvent = { type: "loading" } | { type: "loaded"; models: CatalogModel[] } | { type: "saved"; model: CatalogModel } | { type: "failed"; error: string };

export function createAdminCatalogStore(api: Api) {
  const store = { models: signal<CatalogModel[]>([]), loading: signal(false), error: signal<string | null>(null) };
  async function load(): Promise<void> {
    applyAdminCatalogEvent(store, { type: "loading" });
    try {
      const { data } = await api.json(Catalog, "GET", "/v1/catalog", { query: { all: "true" } });
      applyAdminCatalogEvent(store, { type: "loaded", models: data });
    } catch (err) {
      applyAdminCatalogEvent(store, { type: "failed", error: errorMessage(err) });
    }
  }
  /** Throws the schema's ZodError before any request, or the API's problem. */
  async function create(draft: CreateDraft): Promise<CatalogModel> {
    const model = await api.json(CatalogModel, "POST", "/v1/catalog", { body: createBodyFrom(draft) });
    applyAdminCatalogEvent(store, { type: "saved", model });
    return model;
  }
  async function update(modelId: string, draft: EditDraft): Promise<CatalogModel> {
    return patch(modelId, updateBodyFrom(draft));
  }
  const setEnabled = (modelId: string, enabled: boolean) => patch(modelId, { enabled });
  async function patch(modelId: string, body: z.output<typeof UpdateCatalogModelBody>): Promise<CatalogModel> {
    const model = await api.json(CatalogModel, "PATCH", `/v1/catalog/${encodeURIComponent(modelId)}`, { body });
    applyAdminCatalogEvent(store, { type: "saved", model });
    return model;
  }
  return { ...store, load, create, update, setEnabled };
}

export type AdminCatalogStore = ReturnType<typeof createAdminCatalogStore>;
type AdminCatalogState = Pick<AdminCatalogStore, "models" | "loading" | "error">;

// The API's order: kind, then provider, then model.
const kindOrder = (k: ModelKind) => ModelKind.options.indexOf(k);
const byCatalogOrder = (a: CatalogModel, b: CatalogModel) =>
  kindOrder(a.kind) - kindOrder(b.kind) || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model);

export function applyAdminCatalogEvent(store: AdminCatalogState, event: AdminCatalogEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        store.loading.value = true;
        store.error.value = null;
        break;
      case "loaded":
        store.models.value = [...event.models].sort(byCatalogOrder);
        store.loading.value = false;
        break;
      case "saved":
        store.models.value = [...store.models.value.filter((m) => m.id !== event.model.id), event.model].sort(byCatalogOrder);
        break;
      case "failed":
        store.error.value = event.error;
        store.loading.value = false;
        break;
    }
  });
}
