// A space's outbound campaigns (/app/spaces/:spaceId/campaigns), newest first: name, agent, status,
// progress from the summary's item counts, created; "New campaign" opens the wizard. A draft opens
// in the wizard again, any other campaign on its monitoring page. Every member may run campaigns.
import { useEffect, useMemo } from "preact/hooks";
import { campaignPath, campaignWizardPath } from "../router.ts";
import { createCampaignsListStore } from "../stores/campaigns.ts";
import { useStores } from "../stores/index.ts";
import { CampaignStatusBadge, ProgressBar } from "../ui/CampaignProgress.tsx";
import { formatDate } from "../ui/forms.ts";
import "../ui/campaigns.css";

export default function CampaignsPage({ spaceId }: { spaceId: string }) {
  const { api, agents } = useStores();
  const store = useMemo(() => createCampaignsListStore(api), [api]);
  useEffect(() => {
    void store.load(spaceId);
    // The list names each campaign's agent.
    if (agents.spaceId.value !== spaceId || agents.agents.value.length === 0) agents.load(spaceId).catch(() => {}); // ids show without names
  }, [spaceId]);
  const names = new Map(agents.spaceId.value === spaceId ? agents.agents.value.map((a) => [a.id, a.name]) : []);
  const list = store.spaceId.value === spaceId ? store.campaigns.value : [];
  return (
    <section class="campaigns">
      <div class="row">
        <h1>Campaigns</h1>
        <span class="spacer" />
        <button class="link" onClick={() => void store.load(spaceId)}>
          Refresh
        </button>
        <a class="button" href={campaignWizardPath(spaceId)}>
          New campaign
        </a>
      </div>
      <p class="muted">An agent calls a list of contacts from your numbers, within the hours you allow, retrying the ones it could not reach.</p>
      {store.error.value && <p class="error">Could not load the campaigns: {store.error.value}</p>}
      {list.length === 0 ? (
        !store.error.value && <p class="muted card">{store.loading.value ? "Loading…" : "No campaign yet. Create one to call a list of contacts with an agent."}</p>
      ) : (
        <table class="card campaigns-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Agent</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Contacts</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id} data-campaign={c.id}>
                <td>
                  <a href={c.status === "draft" ? campaignWizardPath(spaceId, c.id) : campaignPath(spaceId, c.id)}>{c.name}</a>
                </td>
                <td>
                  {names.get(c.agentId) ?? <code>{c.agentId}</code>}
                  {c.agentVersion !== null && <span class="muted"> v{c.agentVersion}</span>}
                </td>
                <td>
                  <CampaignStatusBadge status={c.status} />
                </td>
                <td>{c.summary ? <ProgressBar byStatus={c.summary.byStatus} total={c.summary.total} /> : <span class="muted">—</span>}</td>
                <td>{c.itemCount}</td>
                <td>{formatDate(c.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
