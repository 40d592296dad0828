// Members and pending invitations of the open space. Each API answer becomes an event applied by
// the pure `applyMembersEvent`; changes to the caller's own membership (demoting or removing
// yourself) are passed on to the spaces store so the switcher and permissions follow.
import { batch, signal } from "@preact/signals";
import { CreateInvitationBody, Invitation, listOf, Member, UpdateMemberBody, type SpaceRole } from "../../../packages/contracts/src/spaces.ts";
import type { Api } from "../api/client.ts";
import { ApiProblem } from "../api/client.ts";
import type { SpacesStore } from "./spaces.ts";
import { applySpacesEvent } from "./spaces.ts";

export type MembersEvent =
  | { type: "loading"; spaceId: string }
  | { type: "loaded"; spaceId: string; members: Member[]; invitations: Invitation[] }
  | { type: "invitationsLoaded"; spaceId: string; invitations: Invitation[] }
  | { type: "memberUpdated"; member: Member }
  | { type: "memberRemoved"; userId: string }
  | { type: "invitationSaved"; invitation: Invitation }
  | { type: "invitationRevoked"; invitationId: string };

export function createMembersStore(api: Api, spaces: SpacesStore, myUserId: () => string | null) {
  const store = {
    spaceId: signal<string | null>(null),
    members: signal<Member[]>([]),
    invitations: signal<Invitation[]>([]),
    loading: signal(false),
  };
  const base = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}`;
  const open = () => {
    const id = store.spaceId.value;
    if (!id) throw new Error("no space is open");
    return id;
  };

  async function load(spaceId: string, canSeeInvitations: boolean): Promise<void> {
    applyMembersEvent(store, { type: "loading", spaceId });
    const [members, invitations] = await Promise.all([
      api.json(listOf(Member), "GET", `${base(spaceId)}/members`),
      // Only Owners may list invitations; Members would get 403.
      canSeeInvitations ? api.json(listOf(Invitation), "GET", `${base(spaceId)}/invitations`) : Promise.resolve({ data: [] }),
    ]);
    applyMembersEvent(store, { type: "loaded", spaceId, members: members.data, invitations: invitations.data });
  }

  /** The invitations alone (their email's delivery moves on in the background). */
  async function reloadInvitations(): Promise<void> {
    const spaceId = open();
    const invitations = await api.json(listOf(Invitation), "GET", `${base(spaceId)}/invitations`);
    applyMembersEvent(store, { type: "invitationsLoaded", spaceId, invitations: invitations.data });
  }

  async function changeRole(userId: string, role: SpaceRole): Promise<void> {
    const spaceId = open();
    const member = await api.json(Member, "PATCH", `${base(spaceId)}/members/${encodeURIComponent(userId)}`, { body: UpdateMemberBody.parse({ role }) });
    batch(() => {
      applyMembersEvent(store, { type: "memberUpdated", member });
      if (userId === myUserId()) applySpacesEvent(spaces, { type: "roleChanged", spaceId, role: member.role });
    });
  }

  async function remove(userId: string): Promise<void> {
    const spaceId = open();
    await api.empty("DELETE", `${base(spaceId)}/members/${encodeURIComponent(userId)}`);
    batch(() => {
      applyMembersEvent(store, { type: "memberRemoved", userId });
      if (userId === myUserId()) applySpacesEvent(spaces, { type: "removed", spaceId });
    });
  }

  /** Validates with the API's own schema first, so the form shows the same messages. */
  async function invite(input: { email: string; role: SpaceRole }): Promise<Invitation> {
    const body = CreateInvitationBody.parse(input);
    const invitation = await api.json(Invitation, "POST", `${base(open())}/invitations`, { body });
    applyMembersEvent(store, { type: "invitationSaved", invitation });
    return invitation;
  }

  async function resend(invitationId: string): Promise<void> {
    const invitation = await api.json(Invitation, "POST", `/v1/invitations/${encodeURIComponent(invitationId)}/resend`);
    applyMembersEvent(store, { type: "invitationSaved", invitation });
  }

  async function revoke(invitationId: string): Promise<void> {
    try {
      await api.empty("DELETE", `/v1/invitations/${encodeURIComponent(invitationId)}`);
    } catch (err) {
      // Already gone (revoked elsewhere): the list is what was stale.
      if (!(err instanceof ApiProblem && err.status === 404)) throw err;
    }
    applyMembersEvent(store, { type: "invitationRevoked", invitationId });
  }

  return { ...store, load, reloadInvitations, changeRole, remove, invite, resend, revoke };
}

export type MembersStore = ReturnType<typeof createMembersStore>;
type MembersState = Pick<MembersStore, "spaceId" | "members" | "invitations" | "loading">;

const roleOrder = (r: SpaceRole) => (r === "owner" ? 0 : 1);
export const sortMembers = (list: Member[]) => [...list].sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || a.email.localeCompare(b.email));

export function applyMembersEvent(store: MembersState, event: MembersEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        // A different space: drop the old rows at once rather than show them under the new name.
        if (store.spaceId.value !== event.spaceId) {
          store.members.value = [];
          store.invitations.value = [];
        }
        store.spaceId.value = event.spaceId;
        store.loading.value = true;
        break;
      case "loaded":
        if (store.spaceId.value !== event.spaceId) return; // a late answer for a space left meanwhile
        store.members.value = sortMembers(event.members);
        store.invitations.value = event.invitations.filter((i) => i.status === "pending");
        store.loading.value = false;
        break;
      case "invitationsLoaded":
        if (store.spaceId.value !== event.spaceId) return;
        store.invitations.value = event.invitations.filter((i) => i.status === "pending");
        break;
      case "memberUpdated":
        store.members.value = sortMembers(store.members.value.map((m) => (m.userId === event.member.userId ? event.member : m)));
        break;
      case "memberRemoved":
        store.members.value = store.members.value.filter((m) => m.userId !== event.userId);
        break;
      case "invitationSaved": {
        const others = store.invitations.value.filter((i) => i.id !== event.invitation.id);
        store.invitations.value = event.invitation.status === "pending" ? [...others, event.invitation] : others;
        break;
      }
      case "invitationRevoked":
        store.invitations.value = store.invitations.value.filter((i) => i.id !== event.invitationId);
        break;
    }
  });
}
