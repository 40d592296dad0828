// The Billing page's plan: its terms, features and limits against the space's counts, a change
// chosen for the period's end; and for Owners the picker (every plan's price, included minutes,
// overage, features and limits) with "now" or "at the end of the period".
import { useSignal } from "@preact/signals";
import type { BillingOverview, Plan } from "../../../packages/contracts/src/billing.ts";
import { changeSummary, featureList, formatBillingDate, formatLimit, limitRows, planChoices, planTerms } from "../stores/billing-view.ts";
import { shownProblem, type ShownProblem } from "../stores/billing.ts";
import { useStores } from "../stores/index.ts";
import { ProblemNotice } from "../ui/ProblemNotice.tsx";

export function BillingPlan({ overview }: { overview: BillingOverview }) {
  const { subscription, counts, usage } = overview;
  const plan = subscription.plan;
  const terms = planTerms(plan);
  const rows = limitRows(plan.limits, counts, usage.liveSessions);
  return (
    <div class="card billing-plan" data-plan={plan.code}>
      <div class="row">
        <h2>
          Plan: <span data-plan-name>{plan.name}</span>
        </h2>
        {subscription.status === "past_due" && <span class="badge danger">Payment past due</span>}
        {subscription.status === "canceled" && <span class="badge danger">Canceled</span>}
        {!subscription.explicit && <span class="badge">Default plan</span>}
      </div>
      {plan.description && <p class="muted">{plan.description}</p>}
      <p class="billing-terms">
        <strong>{terms.price}</strong> · {terms.included} · {terms.overage} · {terms.rounding}
      </p>
      {subscription.pending && (
        <p class="billing-pending" data-pending={subscription.pending.plan.code}>
          Changes to <strong>{subscription.pending.plan.name}</strong> on {formatBillingDate(subscription.pending.effectiveAt, subscription.timeZone)}, when this period ends.
        </p>
      )}
      <div class="billing-plan-grid">
        <table class="billing-limits">
          <caption>Limits</caption>
          <thead>
            <tr>
              <th scope="col">Limit</th>
              <th scope="col">This space</th>
              <th scope="col">Plan allows</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-limit={r.key} class={r.reached ? "reached" : ""}>
                <th scope="row">{r.label}</th>
                <td>
                  {r.used.toLocaleString("en-US")}
                  {r.reached && <span class="badge warn"> limit reached</span>}
                </td>
                <td>{formatLimit(r.limit)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <FeatureList plan={plan} />
      </div>
    </div>
  );
}

function FeatureList({ plan }: { plan: Plan }) {
  return (
    <ul class="billing-features" aria-label={`Features of ${plan.name}`}>
      {featureList(plan.features).map((f) => (
        <li key={f.key} class={f.included ? "yes" : "no"}>
          <span aria-hidden="true">{f.included ? "✓" : "✗"}</span> {f.label}
          <span class="visually-hidden">{f.included ? ": included" : ": not included"}</span>
        </li>
      ))}
    </ul>
  );
}

export function PlanPicker({ spaceId, overview }: { spaceId: string; overview: BillingOverview }) {
  const { billing } = useStores();
  const subscription = overview.subscription;
  const chosen = useSignal<string | null>(null);
  const effective = useSignal<"now" | "period_end">("now");
  const busy = useSignal(false);
  const problem = useSignal<ShownProblem | null>(null);
  const done = useSignal<string | null>(null);
  const plans = billing.plans.value;
  const choices = planChoices(plans, subscription);
  const summary = changeSummary(subscription, chosen.value, effective.value, plans);
  const end = formatBillingDate(subscription.currentPeriodEnd, subscription.timeZone);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!chosen.value || !summary.ok) return;
    busy.value = true;
    problem.value = null;
    done.value = null;
    try {
      const s = await billing.changePlan(spaceId, { planId: chosen.value, effective: effective.value });
      done.value = s.pending ? `${s.pending.plan.name} starts on ${formatBillingDate(s.pending.effectiveAt, s.timeZone)}.` : `The space is now on ${s.plan.name}.`;
      chosen.value = null;
    } catch (err) {
      problem.value = shownProblem(err);
    } finally {
      busy.value = false;
    }
  };
  return (
    <form class="card billing-picker" onSubmit={submit} aria-label="Change plan">
      <h2>Change plan</h2>
      {choices.length === 0 ? (
        <p class="muted">Loading the plans…</p>
      ) : (
        <fieldset class="plan-choices">
          <legend>Plan</legend>
          {choices.map(({ plan, current, pending }) => {
            const t = planTerms(plan);
            return (
              <label key={plan.id} class={`plan-choice${chosen.value === plan.id ? " chosen" : ""}`} data-choice={plan.code}>
                <span class="row">
                  <input type="radio" name="plan" value={plan.id} checked={chosen.value === plan.id} onChange={() => (chosen.value = plan.id)} />
                  <strong>{plan.name}</strong>
                  {current && <span class="badge ok">Current</span>}
                  {pending && <span class="badge warn">From {end}</span>}
                </span>
                <span class="plan-price">{t.price}</span>
                <span>{t.included}</span>
                <span>{t.overage}</span>
                <span class="muted">{t.rounding}</span>
                <span class="muted">
                  {featureList(plan.features)
                    .filter((f) => f.included)
                    .map((f) => f.label)
                    .join(", ") || "No extra features"}
                </span>
                <span class="muted">
                  Agents {formatLimit(plan.limits.agents)} · numbers {formatLimit(plan.limits.phoneNumbers)} · calls at once {formatLimit(plan.limits.concurrentCalls)} · campaigns {formatLimit(plan.limits.campaigns)}
                </span>
              </label>
            );
          })}
        </fieldset>
      )}
      <fieldset class="row plan-when">
        <legend>When</legend>
        <label class="inline">
          <input type="radio" name="effective" value="now" checked={effective.value === "now"} onChange={() => (effective.value = "now")} />
          Now
        </label>
        <label class="inline">
          <input type="radio" name="effective" value="period_end" checked={effective.value === "period_end"} onChange={() => (effective.value = "period_end")} />
          At the end of this period ({end})
        </label>
      </fieldset>
      <p class={summary.ok ? "" : "muted"} data-change-summary>
        {summary.sentence}
      </p>
      <p class="muted small">The local ledger does not prorate: a period's statement bills the plan in effect when it closes.</p>
      <div class="row">
        <button type="submit" disabled={busy.value || !summary.ok}>
          Change plan
        </button>
        {done.value && (
          <span role="status" class="billing-done">
            {done.value}
          </span>
        )}
      </div>
      {problem.value && <ProblemNotice problem={problem.value} />}
    </form>
  );
}
