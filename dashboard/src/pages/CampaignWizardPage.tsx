// The create-campaign wizard (/app/spaces/:spaceId/campaigns/new, ?draft=cmp_… continues a draft):
// 1 agent → 2 caller numbers → 3 contacts (CampaignWizardContacts.tsx) → 4 schedule & limits
// (CampaignWizardSchedule.tsx) → 5 review → Launch, then on to the monitoring page. The draft is
// created when step 2 is left; the URL then names it, so a reload carries on where it was.
import { useEffect, useMemo } from "preact/hooks";
import type { Agent } from "../../../packages/contracts/src/agents.ts";
import { agentPath, campaignPath, campaignWizardPath, spacePath } from "../router.ts";
import { stepBlocker, stepTitles, toggleNumber, type WizardStep, type WizardStore, createWizardStore } from "../stores/campaign-wizard.ts";
import { retryKindLabel, retryKinds, windowSummary } from "../stores/campaign-settings-form.ts";
import { useStores } from "../stores/index.ts";
import { fieldSentence } from "../ui/field-words.ts";
import { Field } from "../ui/fields.tsx";
import "../ui/campaigns.css";
import { ContactsStep } from "./CampaignWizardContacts.tsx";
import { ScheduleStep } from "./CampaignWizardSchedule.tsx";

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export default function CampaignWizardPage({ spaceId, draftId }: { spaceId: string; draftId: string | null }) {
  const { api, agents, router } = useStores();
  const w = useMemo(() => createWizardStore(api, browserZone()), [api]);
  useEffect(() => {
    if (agents.spaceId.value !== spaceId || agents.agents.value.length === 0) agents.load(spaceId).catch(() => (w.message.value = "Could not load the agents."));
    void w.loadNumbers(spaceId);
  }, [spaceId]);
  useEffect(() => {
    if (draftId && w.campaign.value?.id !== draftId) void w.openDraft(draftId);
  }, [draftId]);

  const agentList = agents.spaceId.value === spaceId ? agents.agents.value : [];
  const agent = agentList.find((a) => a.id === w.agentId.value) ?? null;
  const step = w.step.value;
  const blocker = stepBlocker(
    { step, name: w.name.value, agentId: w.agentId.value, callerNumberIds: w.callerNumberIds.value, campaign: w.campaign.value },
    { agents: agentList, numbers: w.numbers.value ?? [] },
  );

  const next = async () => {
    if (blocker) return;
    if (step === 1) w.go(2);
    else if (step === 2) {
      if (await w.saveDraft(spaceId)) {
        const id = w.campaign.value?.id ?? null;
        if (id && id !== draftId) router.navigate(campaignWizardPath(spaceId, id), { replace: true });
        w.go(3);
      }
    } else if (step === 3) w.go(4);
    else if (step === 4) {
      if (await w.saveSettings()) w.go(5);
    } else {
      const launched = await w.launch();
      if (launched) router.navigate(campaignPath(spaceId, launched.id));
    }
  };

  return (
    <section class="campaigns wizard">
      <div class="row">
        <h1>{w.campaign.value ? `Campaign: ${w.campaign.value.name}` : "New campaign"}</h1>
        <span class="spacer" />
        <a href={spacePath(spaceId, "campaigns")}>All campaigns</a>
      </div>
      <ol class="steps" aria-label="Steps">
        {([1, 2, 3, 4, 5] as WizardStep[]).map((n) => (
          <li key={n} class={n === step ? "current" : n < step ? "done" : ""} aria-current={n === step ? "step" : undefined}>
            {n}. {stepTitles[n]}
          </li>
        ))}
      </ol>
      <div class="card stack" data-step={step}>
        {step === 1 && <AgentStep w={w} agents={agentList} spaceId={spaceId} />}
        {step === 2 && <NumbersStep w={w} spaceId={spaceId} />}
        {step === 3 && <ContactsStep w={w} agent={agent} />}
        {step === 4 && <ScheduleStep w={w} />}
        {step === 5 && <ReviewStep w={w} agent={agent} />}
        <Problem w={w} />
        <div class="nav-buttons">
          {blocker && <span class="muted">{blocker}</span>}
          {step > 1 && (
            <button type="button" class="link" disabled={!!w.busy.value} onClick={() => w.go((step - 1) as WizardStep)}>
              Back
            </button>
          )}
          <button type="button" disabled={!!blocker || !!w.busy.value} onClick={() => void next()}>
            {w.busy.value ?? (step === 5 ? "Launch campaign" : "Next")}
          </button>
        </div>
      </div>
    </section>
  );
}

/** The step's API or validation problem: the message and every field error, in words. */
export function Problem({ w }: { w: WizardStore }) {
  const message = w.message.value;
  const fields = Object.entries(w.fields.value);
  if (!message && fields.length === 0) return null;
  return (
    <div class="problem" role="alert">
      <strong class="error">{message ?? "Some fields need a change."}</strong>
      {fields.length > 0 && (
        <ul>
          {fields.map(([field, text]) => (
            <li key={field}>{fieldSentence(field, text)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AgentStep({ w, agents, spaceId }: { w: WizardStore; agents: Agent[]; spaceId: string }) {
  return (
    <>
      <h2>Which agent makes the calls?</h2>
      <Field label="Campaign name" error={w.fields.value["name"]}>
        <input value={w.name.value} placeholder="e.g. December renewals" maxLength={200} onInput={(e) => (w.name.value = e.currentTarget.value)} />
      </Field>
      <p class="muted">Launching pins the agent's published version: later edits or publishes do not change a campaign that is running.</p>
      {agents.length === 0 && <p class="muted">No agent in this space yet.</p>}
      <div class="choices" role="radiogroup" aria-label="Agent">
        {agents.map((a) => (
          <label key={a.id} class={`choice${w.agentId.value === a.id ? " selected" : ""}`}>
            <input type="radio" name="agent" value={a.id} checked={w.agentId.value === a.id} disabled={!a.published} onChange={() => (w.agentId.value = a.id)} />
            <span>
              <strong>{a.name}</strong>{" "}
              {a.published ? (
                <span class="badge ok">Published v{a.publishedVersion}</span>
              ) : (
                <span class="muted">
                  not published — <a href={agentPath(spaceId, a.id)}>publish it</a> to use it
                </span>
              )}
              {Object.keys(a.variables.properties).length > 0 && (
                <small class="muted" style={{ display: "block" }}>
                  Variables from the contacts file: {Object.keys(a.variables.properties).join(", ")}
                </small>
              )}
            </span>
          </label>
        ))}
      </div>
    </>
  );
}

function NumbersStep({ w, spaceId }: { w: WizardStore; spaceId: string }) {
  const numbers = w.numbers.value;
  return (
    <>
      <h2>Which numbers call?</h2>
      <p class="muted">
        Calls rotate over the chosen numbers in turn (round-robin), so no single number carries the whole list; a number at its concurrent-call limit is skipped for that call.
        Contacts see the number that called them.
      </p>
      {w.numbersError.value && <p class="error">Could not load the numbers: {w.numbersError.value}</p>}
      {numbers === null ? (
        <p class="muted">Loading…</p>
      ) : numbers.length === 0 ? (
        <p class="muted">
          This space has no phone number yet: import one on the <a href={spacePath(spaceId, "telephony")}>Telephony</a> page.
        </p>
      ) : (
        <div class="choices" aria-label="Caller numbers">
          {numbers.map((n) => {
            const on = w.callerNumberIds.value.includes(n.id);
            return (
              <label key={n.id} class={`choice${on ? " selected" : ""}`}>
                <input type="checkbox" value={n.id} checked={on} onChange={() => (w.callerNumberIds.value = toggleNumber(w.callerNumberIds.value, n.id))} />
                <span>
                  <strong>{n.e164}</strong> {n.friendlyName && <span class="muted">{n.friendlyName}</span>}
                  <small class="muted" style={{ display: "block" }}>
                    {n.maxConcurrentCalls ? `up to ${n.maxConcurrentCalls} calls at once` : "no per-number limit"}
                  </small>
                </span>
              </label>
            );
          })}
        </div>
      )}
      {w.callerNumberIds.value.length > 1 && <p class="muted">{w.callerNumberIds.value.length} numbers: call 1 from the first, call 2 from the second, and so on.</p>}
    </>
  );
}

function ReviewStep({ w, agent }: { w: WizardStore; agent: Agent | null }) {
  const c = w.campaign.value;
  if (!c) return <p class="muted">Loading…</p>;
  const s = c.settings;
  const numbers = (w.numbers.value ?? []).filter((n) => s.callerNumberIds.includes(n.id)).map((n) => n.e164);
  const local = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : null);
  return (
    <>
      <h2>Review and launch</h2>
      <dl class="review">
        <dt>Name</dt>
        <dd>{c.name}</dd>
        <dt>Agent</dt>
        <dd>
          {agent?.name ?? c.agentId} {agent?.publishedVersion !== null && agent?.publishedVersion !== undefined && <span class="badge ok">v{agent.publishedVersion} will be pinned</span>}
        </dd>
        <dt>Caller numbers</dt>
        <dd>{numbers.join(", ") || s.callerNumberIds.join(", ")} (in turn)</dd>
        <dt>Contacts</dt>
        <dd>{c.itemCount}</dd>
        <dt>Mapping</dt>
        <dd>
          {c.contactMapping ? (
            <>
              phone ← <code>{c.contactMapping.phoneColumn}</code>
              {Object.entries(c.contactMapping.variables).map(([v, col]) => (
                <span key={v}>
                  , {v} ← <code>{col}</code>
                </span>
              ))}
              {c.contactMapping.timeZoneColumn && (
                <>
                  , time zone ← <code>{c.contactMapping.timeZoneColumn}</code>
                </>
              )}
            </>
          ) : (
            "guessed from the column names"
          )}
        </dd>
        <dt>Calling hours</dt>
        <dd>
          {s.windows.map(windowSummary).join("; ")} (each contact's local time; default {s.defaultTimeZone})
        </dd>
        <dt>Runs</dt>
        <dd>
          {local(s.startAt) ? `from ${local(s.startAt)}` : "from launch"}
          {local(s.endBy) ? ` until ${local(s.endBy)}` : ", no end date"}
        </dd>
        <dt>Pace</dt>
        <dd>
          up to {s.maxConcurrentCalls} calls at once, {s.dialRatePerS} new call{s.dialRatePerS === 1 ? "" : "s"}/s
        </dd>
        <dt>Retries</dt>
        <dd>{retryKinds.map((k) => `${retryKindLabel[k]}: ${s.retry[k].attempts === 0 ? "no retry" : `${s.retry[k].attempts} × after ${Math.round(s.retry[k].backoffS / 60)} min`}`).join("; ")}</dd>
        <dt>Longest call</dt>
        <dd>{s.maxDurationS === null ? "the platform's limit" : `${Math.round(s.maxDurationS / 60)} min`}</dd>
        <dt>Voicemail</dt>
        <dd>{s.voicemail === "inherit" ? "as the agent's phone settings say" : s.voicemail.action === "hang_up" ? "hang up" : `leave a message: “${s.voicemail.message}”`}</dd>
      </dl>
      <p class="muted">Launching starts calling at once (within the calling hours). You can pause or cancel it from its page.</p>
    </>
  );
}
