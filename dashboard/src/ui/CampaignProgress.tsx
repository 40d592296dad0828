// The campaign pages' small pieces: the status badge and the progress bar (item counts by status,
// one coloured segment each, with a legend when asked).
import type { CampaignItemStatus, CampaignStatus } from "../../../packages/contracts/src/campaigns.ts";
import { donePercent, itemStatusLabel, progressSegments } from "../stores/campaigns.ts";

const campaignStatusLabel: Record<CampaignStatus, string> = { draft: "Draft", running: "Running", paused: "Paused", completed: "Completed", cancelled: "Cancelled" };

export function CampaignStatusBadge({ status }: { status: CampaignStatus }) {
  return <span class={`badge campaign-${status}`}>{campaignStatusLabel[status]}</span>;
}

export function ItemStatusBadge({ status }: { status: CampaignItemStatus }) {
  return <span class={`badge item-${status}`}>{itemStatusLabel[status]}</span>;
}

export function ProgressBar({ byStatus, total, legend = false }: { byStatus: Partial<Record<CampaignItemStatus, number>>; total: number; legend?: boolean }) {
  const segments = progressSegments(byStatus, total);
  const done = donePercent(byStatus, total);
  return (
    <div class="campaign-progress">
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={done} aria-label={`${done}% done`}>
        {segments.map((seg) => (
          <span key={seg.status} class={`seg item-${seg.status}`} style={{ width: `${seg.percent}%` }} title={`${itemStatusLabel[seg.status]}: ${seg.count}`} />
        ))}
      </div>
      {legend ? (
        <ul class="legend">
          {segments.map((seg) => (
            <li key={seg.status}>
              <span class={`swatch item-${seg.status}`} />
              {itemStatusLabel[seg.status]} <strong>{seg.count}</strong>
            </li>
          ))}
          <li class="muted">{done}% done</li>
        </ul>
      ) : (
        <small class="muted">
          {done}% of {total}
        </small>
      )}
    </div>
  );
}
