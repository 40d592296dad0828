// How an invitation's email is doing, in words the members page shows next to it: the API
// reports the latest message's delivery (pending / sent / failed, when, why); this turns it into
// one line and says whether the page should look again soon.
import type { Invitation } from "../../../packages/contracts/src/spaces.ts";

export interface DeliveryView {
  tone: "muted" | "ok" | "error";
  text: string;
  /** Whether the Owner's way out (Resend) deserves pointing at. */
  needsResend: boolean;
}

/** `format` renders a timestamp (the page passes its locale date format). */
export function deliveryView(invitation: Invitation, format: (iso: string) => string): DeliveryView {
  const d = invitation.delivery;
  if (!d) return { tone: "muted", text: "—", needsResend: false };
  switch (d.status) {
    case "sent":
      return { tone: "ok", text: `Sent ${format(d.at)}`, needsResend: false };
    case "failed":
      return { tone: "error", text: `Not delivered (${format(d.at)})${d.error ? `: ${d.error}` : ""}`, needsResend: true };
    case "pending":
      if (d.attempts === 0) return { tone: "muted", text: "Sending…", needsResend: false };
      return {
        tone: "error",
        text: `${d.attempts} ${d.attempts === 1 ? "attempt" : "attempts"} failed${d.error ? ` (${d.error})` : ""}; retrying ${format(d.at)}`,
        needsResend: false,
      };
  }
}

/** While an email is on its way, the page reloads the list to show how it went. */
export const deliveryInFlight = (invitations: Invitation[]) => invitations.some((i) => i.delivery?.status === "pending");
