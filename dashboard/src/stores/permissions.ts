// What the UI offers per role, mirroring the API's checks (workers/src/auth/access.ts): Owners
// manage members, invitations and API keys; every member works on agents and may leave. Hiding
// is a courtesy only: the API refuses regardless.
import type { SpaceRole } from "../../../packages/contracts/src/spaces.ts";

export interface Permissions {
  manageMembers: boolean;
  invite: boolean;
  manageApiKeys: boolean;
  editAgents: boolean;
}

export function permissionsFor(role: SpaceRole | null): Permissions {
  const owner = role === "owner";
  return { manageMembers: owner, invite: owner, manageApiKeys: owner, editAgents: role !== null };
}

/** Whether the member row of `memberId` shows "remove" (Owners) or "leave" (yourself). */
export function canRemoveMember(role: SpaceRole | null, myUserId: string | null, memberId: string): "remove" | "leave" | null {
  if (myUserId !== null && memberId === myUserId) return "leave";
  return role === "owner" ? "remove" : null;
}
