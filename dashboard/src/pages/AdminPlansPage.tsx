// Platform Admin: the plans spaces subscribe to, archived ones included. Create one, edit one
// (changes apply to every space on it from now on), archive one (no space may choose it; spaces
// on it stay) or restore it.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Plan } from "../../../packages/contracts/src/billing.ts";
import { errorMessage } from "../api/client.ts";
import { featureList, formatLimit, planTerms } from "../stores/billing-view.ts";
import { useStores } from "../stores/index.ts";
import { AdminNav } from "./AdminNav.tsx";
import { PlanForm } from "./AdminPlanForm.tsx";
import "../ui/billing.css";

export default function AdminPlansPage() {
  const { admin } = useStores();
  const plans = admin.plans;
  const adding = useSignal(false);
  const editing = useSignal<string | null>(null);
  const rowError = useSignal<string | null>(null);
  const saved = useSignal<string | null>(null);
  useEffect(() => void plans.load(), []);

  const archive = (p: Plan) => {
    rowError.value = null;
    if (!p.archived && !confirm(`Archive ${p.name}? Spaces on it keep it, but no space can choose it any more.`)) return;
    plans.setArchived(p.id, !p.archived).then(
      (plan) => (saved.value = `${plan.name} ${plan.archived ? "archived" : "restored"}.`),
      (err: unknown) => (rowError.value = `${p.name}: ${errorMessage(err)}`),
    );
  };
  const done = (plan: Plan | null, verb: string) => {
    adding.value = false;
    editing.value = null;
    if (plan) saved.value = `${plan.name} ${verb}.`;
  };

  return (
    <section class="billing">
      <AdminNav current="plans" />
      <div class="row">
        <h1>Plans</h1>
        <span class="spacer" />
        {!adding.value && (
          <button
            onClick={() => {
              adding.value = true;
              saved.value = null;
            }}
          >
            New plan
          </button>
        )}
      </div>
      <p class="muted">Spaces choose among the active plans; a change to a plan applies to every space on it from now on. Archived plans stay with the spaces on them.</p>
      {adding.value && <PlanForm plan={null} onDone={(p) => done(p, "created")} />}
      {plans.error.value && <p class="error">{plans.error.value}</p>}
      {rowError.value && <p class="error">{rowError.value}</p>}
      {saved.value && (
        <p role="status" class="billing-done">
          {saved.value}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Plan</th>
            <th scope="col">Price and minutes</th>
            <th scope="col">Limits</th>
            <th scope="col">Features</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {plans.plans.value.map((p) => {
            if (editing.value === p.id) {
              return (
                <tr key={p.id}>
                  <td colSpan={6}>
                    <PlanForm plan={p} onDone={(plan) => done(plan, "saved")} />
                  </td>
                </tr>
              );
            }
            const t = planTerms(p);
            return (
              <tr key={p.id} class={p.archived ? "muted" : ""} data-plan-row={p.code}>
                <th scope="row">
                  {p.name}
                  <br />
                  <code class="muted">{p.code}</code>
                </th>
                <td class="plan-terms">
                  <strong>{t.price}</strong>
                  <br />
                  {t.included}
                  <br />
                  {t.overage}
                  <br />
                  <span class="muted">{t.rounding}</span>
                </td>
                <td class="plan-terms">
                  Agents {formatLimit(p.limits.agents)}
                  <br />
                  Numbers {formatLimit(p.limits.phoneNumbers)}
                  <br />
                  Calls at once {formatLimit(p.limits.concurrentCalls)}
                  <br />
                  Campaigns {formatLimit(p.limits.campaigns)}
                </td>
                <td class="plan-terms">
                  {featureList(p.features)
                    .filter((f) => f.included)
                    .map((f) => f.label)
                    .join(", ") || "None"}
                </td>
                <td>{p.archived ? <span class="badge">Archived</span> : <span class="badge ok">Active</span>}</td>
                <td>
                  <div class="row plan-actions">
                    <button class="link" onClick={() => (editing.value = p.id)} aria-label={`Edit ${p.name}`}>
                      Edit
                    </button>
                    <button class={p.archived ? "link" : "link danger"} onClick={() => archive(p)} aria-label={`${p.archived ? "Restore" : "Archive"} ${p.name}`}>
                      {p.archived ? "Restore" : "Archive"}
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {plans.plans.value.length === 0 && <p class="muted">{plans.loading.value ? "Loading…" : "No plans."}</p>}
    </section>
  );
}
