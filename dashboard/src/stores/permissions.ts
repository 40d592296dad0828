// What the UI offers per role, mirroring the API's checks (workers/src/auth/access.ts): Owners
// manage members, invitations, API keys and the space itself (rename, delete); every member works
// on agents and may leave. Hiding is a courtesy only: the API refuses regardless.
import type { SpaceRole } from "../../../packages/contracts/src/spaces.ts";

export interface Permissions {
  manageMembers: boolean;
  invite: boolean;
  manageApiKeys: boolean;
  /** Add, re-key, move and delete the space's provider keys (every member sees the list). */
  manageProviderKeys: boolean;
  /** Add, rotate and delete telephony connections; import, edit and release numbers (every member sees them). */
  manageTelephony: boolean;
  /** Change the plan, see invoices and manage the payment method (every member sees the usage). */
  manageBilling: boolean;
  /** Create, change, rotate, test and delete webhook endpoints and inbound routes; replay deliveries (every member sees them). */
  manageWebhooks: boolean;
  /** Rename or delete the space. */
  manageSpace: boolean;
  editAgents: boolean;
}

export function permissionsFor(role: SpaceRole | null): Permissions {
  const owner = role === "owner";
  return { manageMembers: owner, invite: owner, manageApiKeys: owner, manageProviderKeys: owner, manageTelephony: owner, manageBilling: owner, manageWebhooks: owner, manageSpace: owner, editAgents: role !== null };
}

/** Whether the member row of `memberId` shows "remove" (Owners) or "leave" (yourself). */
export function canRemoveMember(role: SpaceRole | null, myUserId: string | null, memberId: string): "remove" | "leave" | null {
  if (myUserId !== null && memberId === myUserId) return "leave";
  return role === "owner" ? "remove" : null;
}

export type SwitchPage = "agents" | "tools" | "sessions" | "analytics" | "members" | "apiKeys" | "providerKeys" | "telephony" | "campaigns" | "billing" | "webhooks" | "settings";

/**
 * The page the space switcher opens in the chosen space: the same list page when the caller may
 * see it there (API keys and settings are for Owners), else its agents.
 */
export function pageAfterSwitch(current: string, role: SpaceRole | null): SwitchPage {
  const can = permissionsFor(role);
  switch (current) {
    case "tools":
    case "sessions":
    case "analytics":
    case "members":
    case "providerKeys":
    case "telephony":
    case "campaigns":
    case "billing":
    case "webhooks":
      return current;
    case "campaign":
    case "campaignNew":
      return "campaigns";
    case "apiKeys":
      return can.manageApiKeys ? current : "agents";
    case "settings":
      return can.manageSpace ? current : "agents";
    default:
      return "agents";
  }
}
