// The Owner's part of the Billing page below the plan: the invoice history (status badges, the
// statement downloaded with the signed-in user's token, saved under the API's file name) and the
// payment method (the payment provider's portal, or the local ledger's notice that it takes none).
import { useSignal } from "@preact/signals";
import type { BillingOverview, Invoice } from "../../../packages/contracts/src/billing.ts";
import { formatBillingDate, formatMinutes, formatMoney, invoiceBadge } from "../stores/billing-view.ts";
import { shownProblem, type ShownProblem } from "../stores/billing.ts";
import { useStores } from "../stores/index.ts";
import { ProblemNotice } from "../ui/ProblemNotice.tsx";

/** Hands a fetched file to the browser's downloads (an <a download> on an object URL). */
function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function BillingInvoices({ spaceId }: { spaceId: string }) {
  const { billing } = useStores();
  const problem = useSignal<ShownProblem | null>(null);
  const busy = useSignal<string | null>(null);
  const invoices = billing.invoices.value;
  const tz = billing.overview.value?.subscription.timeZone ?? "UTC";
  const download = async (invoice: Invoice) => {
    busy.value = invoice.id;
    problem.value = null;
    try {
      const file = await billing.download(invoice);
      saveFile(file.blob, file.filename);
    } catch (err) {
      problem.value = shownProblem(err);
    } finally {
      busy.value = null;
    }
  };
  return (
    <div class="card billing-invoices" data-section="invoices">
      <div class="row">
        <h2>Invoices</h2>
        <span class="spacer" />
        <button type="button" class="link" onClick={() => void billing.loadInvoices(spaceId)}>
          Refresh
        </button>
      </div>
      {billing.invoicesProblem.value && <ProblemNotice problem={billing.invoicesProblem.value} />}
      {problem.value && <ProblemNotice problem={problem.value} />}
      {invoices === null ? (
        !billing.invoicesProblem.value && <p class="muted">Loading…</p>
      ) : invoices.length === 0 ? (
        <p class="muted">No invoices yet: a statement is issued when a period with usage or a fee ends.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Invoices, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Period</th>
              <th scope="col">Plan</th>
              <th scope="col">Minutes</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((inv) => {
              const badge = invoiceBadge(inv.status);
              return (
                <tr key={inv.id} data-invoice={inv.number}>
                  <th scope="row">
                    <code>{inv.number}</code>
                  </th>
                  <td>
                    {formatBillingDate(inv.periodStart, tz)} – {formatBillingDate(new Date(Date.parse(inv.periodEnd) - 1).toISOString(), tz)}
                  </td>
                  <td>{inv.planName ?? "—"}</td>
                  <td>{formatMinutes(inv.usedSeconds / 60)}</td>
                  <td>{formatMoney(inv.total, inv.currency)}</td>
                  <td>
                    <span class={badge.className} data-status={inv.status}>
                      {badge.label}
                    </span>
                  </td>
                  <td>
                    {inv.source === "lago" ? (
                      // Lago's PDF is a link to Lago's storage, opened as is (no token, no CORS read).
                      <a href={inv.downloadUrl} target="_blank" rel="noopener noreferrer" aria-label={`Download ${inv.number} (PDF)`}>
                        Download
                      </a>
                    ) : (
                      <button type="button" class="link" disabled={busy.value === inv.id} onClick={() => void download(inv)} aria-label={`Download ${inv.number}`}>
                        Download
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function PaymentMethod({ spaceId, overview }: { spaceId: string; overview: BillingOverview }) {
  const { billing } = useStores();
  const problem = useSignal<ShownProblem | null>(null);
  const busy = useSignal(false);
  const open = async () => {
    busy.value = true;
    problem.value = null;
    try {
      location.assign(await billing.portalUrl(spaceId));
    } catch (err) {
      problem.value = shownProblem(err);
      busy.value = false;
    }
  };
  return (
    <div class="card billing-payment" data-payment={overview.paymentMethod}>
      <h2>Payment method</h2>
      {overview.paymentMethod === "portal" ? (
        <>
          <p>Cards and billing details are kept by the payment provider: its customer portal opens in this tab.</p>
          <button type="button" disabled={busy.value} onClick={() => void open()}>
            Update payment method
          </button>
        </>
      ) : (
        <p class="billing-local" role="note">
          <strong>Local mode:</strong> this deployment bills with the local ledger, which takes no payments. Statements are issued here each period; in production, Lago's
          customer portal manages the payment method.
        </p>
      )}
      {problem.value && <ProblemNotice problem={problem.value} />}
    </div>
  );
}
