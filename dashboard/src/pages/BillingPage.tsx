// A space's Billing page (a lazy chunk): this period's voice minutes against the plan's included
// ones (remaining, a projection to the period's end, a chart by day and a table by agent), the plan
// with its limits against the space's counts, and for Owners the plan picker, the invoice history
// and the payment method. Members see the usage and the plan, without the controls.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { BillingOverview } from "../../../packages/contracts/src/billing.ts";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import { formatBillingDate, formatMinutes, formatMoney, projection, usageByDayChart, usageGauge } from "../stores/billing-view.ts";
import { useStores } from "../stores/index.ts";
import { permissionsFor } from "../stores/permissions.ts";
import { formatDay } from "../ui/chart-scale.ts";
import { StackedBars } from "../ui/charts.tsx";
import { ProblemNotice } from "../ui/ProblemNotice.tsx";
import { BillingInvoices, PaymentMethod } from "./BillingInvoices.tsx";
import { BillingPlan, PlanPicker } from "./BillingPlan.tsx";
import "../ui/analytics.css";
import "../ui/billing.css";

export default function BillingPage({ space }: { space: Space }) {
  const { billing } = useStores();
  const manage = permissionsFor(space.role).manageBilling;
  useEffect(() => void billing.load(space.id, manage), [space.id, manage]);
  const mine = billing.spaceId.value === space.id;
  const overview = mine ? billing.overview.value : null;
  return (
    <section class="billing">
      <div class="row">
        <h1>Billing</h1>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => void billing.load(space.id, manage)}>
          Refresh
        </button>
      </div>
      {mine && billing.problem.value && <ProblemNotice problem={billing.problem.value} />}
      {!overview ? (
        mine && billing.loading.value ? <p class="muted">Loading…</p> : null
      ) : (
        <>
          <UsageCard overview={overview} />
          <BillingPlan overview={overview} />
          {manage ? (
            <>
              <PlanPicker spaceId={space.id} overview={overview} />
              <BillingInvoices spaceId={space.id} />
              <PaymentMethod spaceId={space.id} overview={overview} />
            </>
          ) : (
            <p class="muted card" data-member-notice>
              Only the space's Owners change the plan, see the invoices and manage the payment method.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function UsageCard({ overview }: { overview: BillingOverview }) {
  const { usage, subscription } = overview;
  const plan = subscription.plan;
  const tz = subscription.timeZone;
  const gauge = usageGauge(usage, plan);
  const ahead = projection(usage, plan, tz);
  const table = useSignal(false);
  const chart = usageByDayChart(usage);
  const period = `${formatBillingDate(usage.periodStart, tz)} – ${formatBillingDate(new Date(Date.parse(usage.periodEnd) - 1).toISOString(), tz)}`;
  return (
    <div class="card billing-usage" data-usage-state={gauge.state}>
      <div class="row">
        <h2>This period's voice minutes</h2>
        <span class="spacer" />
        <span class="muted">
          {period} ({tz}){usage.source === "lago" ? " · figures from Lago" : ""}
        </span>
      </div>
      <dl class="billing-figures">
        <Figure name="used" label="Used">
          {formatMinutes(usage.usedMinutes)}
        </Figure>
        <Figure name="included" label="Included">
          {formatMinutes(usage.includedMinutes)}
        </Figure>
        <Figure name="remaining" label="Remaining">
          {formatMinutes(usage.remainingMinutes)}
        </Figure>
        <Figure name="projected" label="Projected by period end">
          {formatMinutes(ahead.projectedMinutes)}
        </Figure>
        {usage.overageMinutes > 0 && (
          <Figure name="overage" label="Overage so far">
            {formatMinutes(usage.overageMinutes)} · {formatMoney(usage.overageAmount, plan.currency)}
          </Figure>
        )}
        <Figure name="live" label="Calls right now">
          {usage.liveSessions} {usage.concurrentLimit === null ? "" : <span class="muted">of {usage.concurrentLimit} at once</span>}
        </Figure>
      </dl>
      <div
        class={`meter ${gauge.state}`}
        role="meter"
        aria-label="Included minutes used"
        aria-valuemin={0}
        aria-valuemax={usage.includedMinutes}
        aria-valuenow={Math.min(usage.usedMinutes, usage.includedMinutes)}
        aria-valuetext={`${formatMinutes(usage.usedMinutes)} of ${formatMinutes(usage.includedMinutes)}`}
      >
        <span style={{ width: `${(gauge.share * 100).toFixed(1)}%` }} />
      </div>
      <p class={gauge.state === "exhausted" ? "error" : gauge.state === "ok" ? "" : "billing-warning"} data-headline>
        {gauge.headline}
      </p>
      <p class="muted" data-projection>
        {ahead.sentence}
      </p>
      <div class="billing-breakdown">
        <div>
          <div class="row">
            <h3>By day</h3>
            <span class="spacer" />
            <label class="inline">
              <input type="checkbox" checked={table.value} onChange={(e) => (table.value = e.currentTarget.checked)} />
              Show as a table
            </label>
          </div>
          <StackedBars
            id="chart-billing-minutes"
            title="Billable minutes per day"
            desc={`Billable voice minutes per day in ${tz}, ${period}; ${formatMinutes(usage.usedMinutes)} in all.`}
            days={chart.days}
            series={[{ key: "minutes", label: "Minutes", className: "s-minutes", values: chart.minutes }]}
            format={(v) => formatMinutes(v)}
            table={table.value}
          />
        </div>
        <div>
          <h3>By agent</h3>
          {usage.byAgent.length === 0 ? (
            <p class="muted">No calls billed this period yet.</p>
          ) : (
            <table class="billing-agents">
              <caption class="visually-hidden">Billable minutes by agent this period</caption>
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Sessions</th>
                  <th scope="col">Minutes</th>
                  <th scope="col">Share</th>
                </tr>
              </thead>
              <tbody>
                {usage.byAgent.map((a) => (
                  <tr key={a.agentId ?? "none"} data-agent={a.agentId ?? ""}>
                    <th scope="row">{a.agentName ?? (a.agentId ? a.agentId : "Deleted agent")}</th>
                    <td>{a.sessions.toLocaleString("en-US")}</td>
                    <td>{formatMinutes(a.seconds / 60)}</td>
                    <td>{usage.usedSeconds > 0 ? `${Math.round((a.seconds / usage.usedSeconds) * 100)}%` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      {usage.byDay.length > 0 && <p class="muted small">Days run midnight to midnight in {tz}; the last is {formatDay(usage.byDay.at(-1)?.day ?? "")}.</p>}
    </div>
  );
}

function Figure({ name, label, children }: { name: string; label: string; children: ComponentChildren }) {
  return (
    <div data-figure={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
