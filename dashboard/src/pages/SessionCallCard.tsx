// A call's card on the session page: its facts (direction, numbers, the provider's call id, last
// status and hang-up cause) and one timeline of the provider's status callbacks with the DTMF
// digits, transfers and answering-machine verdicts the agent saw, in time order.
import type { ComponentChildren } from "preact";
import type { SessionPhone } from "../../../packages/contracts/src/telephony.ts";
import { callStatusLabel, phoneTimeline, type PhoneTimelineEntry } from "../stores/session-phone.ts";
import { describeHangupCause } from "../stores/session-words.ts";
import type { SessionDetailData } from "../stores/sessions-detail.ts";
import { CallDirectionLabel } from "../ui/CallDirectionLabel.tsx";
import { formatDate } from "../ui/forms.ts";

const providerName: Record<SessionPhone["provider"], string> = { twilio: "Twilio", voximplant: "VoxImplant", livekit_sip: "LiveKit SIP" };

/** `10:04:31`: a call's events are seconds apart, the date is in the card's facts. */
const clock = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export function SessionCallCard({ session }: { session: SessionDetailData }) {
  const phone = session.phone;
  if (!phone) return null;
  const timeline = phoneTimeline(session);
  const item = (label: string, value: ComponentChildren) => (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
  return (
    <div class="card call-card">
      <h2>Call</h2>
      <dl class="meta">
        {item("Direction", <CallDirectionLabel direction={phone.direction} />)}
        {item("From", <span class="phone-number">{phone.from ?? "—"}</span>)}
        {item("To", <span class="phone-number">{phone.to ?? "—"}</span>)}
        {item("Provider", providerName[phone.provider])}
        {item("Provider call id", phone.providerCallId ? <code>{phone.providerCallId}</code> : "—")}
        {item("Status", phone.providerStatus ? callStatusLabel(phone.providerStatus) : "—")}
        {item("Hang-up cause", <span title={phone.hangupCause ?? undefined}>{describeHangupCause(phone.hangupCause)}</span>)}
      </dl>
      <h3>Timeline</h3>
      {timeline.length === 0 ? (
        <p class="muted">The provider has not reported anything about this call yet.</p>
      ) : (
        <ol class="call-timeline">
          {timeline.map((entry, i) => (
            <TimelineEntry key={`${entry.at}-${i}`} entry={entry} />
          ))}
        </ol>
      )}
    </div>
  );
}

function TimelineEntry({ entry }: { entry: PhoneTimelineEntry }) {
  const at = (
    <time class="at" dateTime={entry.at} title={formatDate(entry.at)}>
      {clock(entry.at)}
    </time>
  );
  switch (entry.kind) {
    case "status":
      return (
        <li class={`status${entry.bad ? " bad" : ""}`}>
          {at}
          <span class={entry.bad ? "error" : undefined}>{entry.label}</span>
          {Object.entries(entry.detail).map(([key, value]) => (
            <span class="muted" key={key}>
              {key} {value ?? "—"}
            </span>
          ))}
        </li>
      );
    case "dtmf":
      return (
        <li class="dtmf">
          {at}
          <span>{entry.label}</span>
          <span class="digits" title="DTMF digits">
            {entry.digits}
          </span>
        </li>
      );
    case "transfer":
      return (
        <li class="transfer">
          {at}
          <span>{entry.label}</span>
          {entry.reason && <span class="muted">{entry.reason}</span>}
        </li>
      );
    case "voicemail":
      return (
        <li class="voicemail">
          {at}
          <span>{entry.label}</span>
          <span class="muted">{callStatusLabel(`amd:${entry.answeredBy}`)}</span>
        </li>
      );
  }
}
