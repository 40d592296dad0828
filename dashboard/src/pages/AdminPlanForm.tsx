// The plan form of the Admin's Plans page, for a new plan and for an edit (the code is fixed once
// made). Checked with the API's own schema before sending; the API's field errors (errors[]) land
// under the same fields.
import { useSignal } from "@preact/signals";
import { BillingInterval, RoundingRule, type Plan, type PlanFeatures } from "../../../packages/contracts/src/billing.ts";
import { ApiProblem } from "../api/client.ts";
import { emptyPlanDraft, limitKeys, planDraftOf, type PlanDraft } from "../stores/billing-plans.ts";
import { useStores } from "../stores/index.ts";
import { Field } from "../ui/fields.tsx";
import { fieldsHeadline, formErrors, type FieldErrors } from "../ui/forms.ts";

const limitLabels: Record<(typeof limitKeys)[number], string> = { agents: "Agents", phoneNumbers: "Phone numbers", concurrentCalls: "Calls at once", campaigns: "Campaigns" };
const featureLabels: Record<keyof PlanFeatures, string> = { telephony: "Telephony (numbers, connections, calls)", campaigns: "Campaigns", byoProviderKeys: "Own provider keys" };
const roundingLabels: Record<RoundingRule, string> = { per_call_minute: "Each call up to the whole minute", per_second: "Per second" };

export function PlanForm({ plan, onDone }: { plan: Plan | null; onDone: (plan: Plan | null) => void }) {
  const { admin } = useStores();
  const draft = useSignal<PlanDraft>(plan ? planDraftOf(plan) : emptyPlanDraft());
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const d = draft.value;
  const err = fields.value;
  const set = (patch: Partial<PlanDraft>) => (draft.value = { ...draft.value, ...patch });
  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    fields.value = {};
    message.value = null;
    try {
      const saved = plan ? await admin.plans.update(plan, draft.value) : await admin.plans.create(draft.value);
      if (!plan) draft.value = emptyPlanDraft();
      onDone(saved);
    } catch (error) {
      const f = formErrors(error);
      // A code already taken is the Code field's problem: say it there too.
      const taken = !plan && error instanceof ApiProblem && error.code === "conflict";
      if (taken) f.fields["code"] ??= error.message;
      fields.value = f.fields;
      message.value = taken || (f.message === null && Object.keys(f.fields).length > 0) ? fieldsHeadline : f.message;
    } finally {
      busy.value = false;
    }
  };
  const title = plan ? `Edit ${plan.name}` : "New plan";
  return (
    <form class="card plan-form" onSubmit={submit} noValidate aria-label={title}>
      <h2>{title}</h2>
      {message.value && (
        <p class="error" role="alert">
          {message.value}
        </p>
      )}
      <div class="grid">
        {plan ? (
          <Field label="Code" hint="Fixed once the plan exists">
            <input value={d.code} readOnly />
          </Field>
        ) : (
          <Field label="Code" error={err["code"]} hint="Lowercase letters, digits, - and _ (Lago's plan code)">
            <input value={d.code} onInput={(e) => set({ code: e.currentTarget.value })} />
          </Field>
        )}
        <Field label="Name" error={err["name"]}>
          <input value={d.name} onInput={(e) => set({ name: e.currentTarget.value })} />
        </Field>
        <Field label="Currency" error={err["currency"]} hint="ISO 4217, e.g. USD">
          <input value={d.currency} maxLength={3} onInput={(e) => set({ currency: e.currentTarget.value })} />
        </Field>
        <Field label="Interval" error={err["interval"]}>
          <select value={d.interval} onChange={(e) => set({ interval: BillingInterval.parse(e.currentTarget.value) })}>
            <option value="monthly">Monthly</option>
            <option value="yearly">Yearly</option>
          </select>
        </Field>
        <Field label="Price per period" error={err["price"]} hint="e.g. 49 or 49.00">
          <input inputMode="decimal" value={d.price} onInput={(e) => set({ price: e.currentTarget.value })} />
        </Field>
        <Field label="Included minutes" error={err["includedMinutes"]}>
          <input inputMode="numeric" value={d.includedMinutes} onInput={(e) => set({ includedMinutes: e.currentTarget.value })} />
        </Field>
        <Field label="Overage price per minute" error={err["overagePricePerMinute"]} hint="Empty: no overage, calls stop when the minutes are spent">
          <input inputMode="decimal" value={d.overagePricePerMinute} onInput={(e) => set({ overagePricePerMinute: e.currentTarget.value })} />
        </Field>
        <Field label="Rounding" error={err["rounding"]}>
          <select value={d.rounding} onChange={(e) => set({ rounding: RoundingRule.parse(e.currentTarget.value) })}>
            {RoundingRule.options.map((r) => (
              <option key={r} value={r}>
                {roundingLabels[r]}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field label="Description" error={err["description"]}>
        <input value={d.description} onInput={(e) => set({ description: e.currentTarget.value })} />
      </Field>
      <fieldset>
        <legend>Limits (empty: unlimited)</legend>
        <div class="grid">
          {limitKeys.map((k) => (
            <Field key={k} label={limitLabels[k]} error={err[`limits.${k}`]}>
              <input inputMode="numeric" value={d.limits[k]} onInput={(e) => set({ limits: { ...draft.value.limits, [k]: e.currentTarget.value } })} />
            </Field>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Features</legend>
        <div class="checks">
          {(Object.keys(featureLabels) as (keyof PlanFeatures)[]).map((k) => (
            <label key={k} class="inline">
              <input type="checkbox" checked={d.features[k]} onChange={(e) => set({ features: { ...draft.value.features, [k]: e.currentTarget.checked } })} />
              {featureLabels[k]}
            </label>
          ))}
        </div>
        {err["features"] && <span class="error">{err["features"]}</span>}
      </fieldset>
      <div class="row">
        <button type="submit" disabled={busy.value}>
          {plan ? "Save" : "Create plan"}
        </button>
        <button type="button" class="link" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
