// The agent editor's Analysis tab: what is asked of every finished session — a summary (by a
// prompt), structured data (fields the LLM extracts, edited with the tool schema's property table;
// text fields may list their allowed values, which the analytics page counts) and a success
// evaluation (pass/fail or a score, by a rubric). Analysis needs a real LLM: the agent's own.
// Each control edits the store's draft; errors come from the store's `fields`.
import { useSignal } from "@preact/signals";
import type { SuccessEvaluation } from "../../../packages/contracts/src/analysis.ts";
import { analysisAsks, analysisSchemaField, analysisSchemaOf, prefixed, structuredDataPrefix } from "../stores/analysis-settings.ts";
import type { SchemaField } from "../stores/schema-table.ts";
import type { FieldErrors } from "../ui/forms.ts";
import { Field, NumberInput } from "../ui/fields.tsx";
import { useErr, type Props } from "./AgentEditorTabs.tsx";
import { SchemaEditor } from "./ToolSchemaEditor.tsx";

type Kind = SuccessEvaluation["kind"];
const kindLabels: Record<Kind, string> = { none: "No evaluation", pass_fail: "Pass / fail", score: "Score" };
const kinds = Object.keys(kindLabels) as Kind[];
const isKind = (v: string): v is Kind => (kinds as string[]).includes(v);

export function AgentEditorAnalysis({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  // The table as typed (rows may be half-filled); the draft gets the schema whenever it is valid.
  const field = useSignal<SchemaField | null>(null);
  const tableErrors = useSignal<FieldErrors>({});
  if (!d) return null;
  const a = d.analysis;
  const current = field.value ?? analysisSchemaField(a.structuredData);
  const onSchema = (next: SchemaField) => {
    field.value = next;
    const { schema, errors } = analysisSchemaOf(next);
    tableErrors.value = prefixed(errors);
    if (schema) store.edit((x) => void (x.analysis.structuredData = schema));
  };
  const fieldsUnder = Object.fromEntries(Object.entries(store.fields.value).filter(([k]) => k === structuredDataPrefix || k.startsWith(`${structuredDataPrefix}.`)));
  const asks = analysisAsks(a);
  const llm = d.llm.provider;
  return (
    <div class="stack analysis-tab">
      <p class="muted">
        After every session, the agent's LLM reads the transcript and answers what is asked here.{" "}
        {asks.length > 0 ? `Asked now: ${asks.join(", ")}.` : "Nothing is asked now: sessions show “analysis not configured”."}
      </p>
      {llm === "scripted" && (
        <p class="warn-text" role="status">
          This agent runs the offline scripted LLM, which cannot analyse a conversation: its sessions show “analysis not configured” until a real LLM is chosen on the Models tab.
        </p>
      )}
      {err("analysis") && <p class="error">{err("analysis")}</p>}
      <Field label="Summary prompt" error={err("analysis.summaryPrompt")} hint="What the summary should say; empty: no summary.">
        <textarea
          rows={4}
          value={a.summaryPrompt}
          placeholder="Summarise the call in two sentences: what the caller wanted and what was done."
          onInput={(e) => store.edit((x) => void (x.analysis.summaryPrompt = e.currentTarget.value))}
        />
      </Field>
      <SchemaEditor
        title="Structured data"
        hint="Fields the LLM extracts from each conversation. A text field with allowed values (a, b, c) gets one of them, counted on the Analytics page."
        field={current}
        errors={{ ...fieldsUnder, ...tableErrors.value }}
        prefix={structuredDataPrefix}
        onChange={onSchema}
      />
      <h3>Success evaluation</h3>
      <div class="grid">
        <Field label="Evaluation" error={err("analysis.success.kind")}>
          <select value={a.success.kind} onChange={(e) => {
              const kind = e.currentTarget.value;
              if (isKind(kind)) store.edit((x) => void (x.analysis.success.kind = kind));
            }}
          >
            {kinds.map((k) => (
              <option key={k} value={k}>
                {kindLabels[k]}
              </option>
            ))}
          </select>
        </Field>
        {a.success.kind === "score" && (
          <>
            <Field label="Best score" error={err("analysis.success.scoreMax")} hint="Scores run from 1 to this.">
              <NumberInput value={a.success.scoreMax} min={2} max={100} step={1} onValue={(n) => store.edit((x) => void (x.analysis.success.scoreMax = n ?? Number.NaN))} />
            </Field>
            <Field label="Pass score" error={err("analysis.success.passScore")} hint="The lowest score that counts as a success.">
              <NumberInput value={a.success.passScore} min={1} max={100} step={1} onValue={(n) => store.edit((x) => void (x.analysis.success.passScore = n ?? Number.NaN))} />
            </Field>
          </>
        )}
      </div>
      {a.success.kind !== "none" && (
        <Field label="Rubric" error={err("analysis.success.rubric")} hint={a.success.kind === "score" ? "How to score the conversation." : "When the conversation counts as a success."}>
          <textarea
            rows={5}
            value={a.success.rubric}
            placeholder="A success: the caller's order status was given, or a follow-up was booked."
            onInput={(e) => store.edit((x) => void (x.analysis.success.rubric = e.currentTarget.value))}
          />
        </Field>
      )}
    </div>
  );
}
