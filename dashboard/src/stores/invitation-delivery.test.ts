import { describe, expect, it } from "vitest";
import type { Invitation, InvitationDelivery } from "../../../packages/contracts/src/spaces.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, memoryStorage } from "../test-support.ts";
import { deliveryInFlight, deliveryView } from "./invitation-delivery.ts";
import { createMembersStore } from "./members.ts";
import { applySpacesEvent, createSpacesStore } from "./spaces.ts";

const at = "2026-12-04T10:00:00.000Z";
const spaceId = ids.space();
const invitation = (delivery: InvitationDelivery | null, email = "ada@x.test"): Invitation => ({
  id: ids.invitation(), spaceId, email, role: "member", status: "pending", invitedBy: null, expiresAt: at, lastSentAt: at, sendCount: 1, createdAt: at, delivery,
});
const format = (iso: string) => `[${iso}]`;

describe("an invitation's delivery, as the members page shows it", () => {
  it("says sending before the first attempt, and sent with the time once the provider took it", () => {
    expect(deliveryView(invitation({ status: "pending", attempts: 0, at, error: null }), format)).toEqual({ tone: "muted", text: "Sending…", needsResend: false });
    expect(deliveryView(invitation({ status: "sent", attempts: 1, at, error: null }), format)).toEqual({ tone: "ok", text: `Sent [${at}]`, needsResend: false });
  });

  it("says how many attempts failed, why, and when the next one is", () => {
    const view = deliveryView(invitation({ status: "pending", attempts: 2, at, error: "resend answered HTTP 503" }), format);
    expect(view).toEqual({ tone: "error", text: `2 attempts failed (resend answered HTTP 503); retrying [${at}]`, needsResend: false });
  });

  it("shows a failed email with its time and reason, and points at Resend", () => {
    const view = deliveryView(invitation({ status: "failed", attempts: 8, at, error: "resend answered HTTP 503" }), format);
    expect(view).toEqual({ tone: "error", text: `Not delivered ([${at}]): resend answered HTTP 503`, needsResend: true });
    expect(deliveryView(invitation(null), format).text).toBe("—");
  });

  it("keeps the page looking again only while an email is on its way", () => {
    expect(deliveryInFlight([invitation({ status: "sent", attempts: 1, at, error: null }), invitation(null)])).toBe(false);
    expect(deliveryInFlight([invitation({ status: "sent", attempts: 1, at, error: null }), invitation({ status: "pending", attempts: 1, at, error: "x" })])).toBe(true);
  });

  it("reloads the invitations alone, and the list follows their delivery", async () => {
    const pending = invitation({ status: "pending", attempts: 0, at, error: null });
    let answer: Invitation[] = [pending];
    const fetch = fakeFetch((req) => (req.url.endsWith("/invitations") ? json({ data: answer }) : json({ data: [] })));
    const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
    const spaces = createSpacesStore(api, memoryStorage());
    applySpacesEvent(spaces, { type: "loaded", spaces: [{ id: spaceId, name: "Team", role: "owner", maxConcurrentCalls: 10, createdAt: at, updatedAt: at }] });
    spaces.open(spaceId);
    const members = createMembersStore(api, spaces, () => null);
    await members.load(spaceId, true);
    expect(members.invitations.value[0]?.delivery?.status).toBe("pending");

    answer = [{ ...pending, delivery: { status: "failed", attempts: 8, at, error: "resend answered HTTP 503" } }];
    await members.reloadInvitations();
    expect(fetch.requests.at(-1)?.url).toBe(`/v1/spaces/${spaceId}/invitations`);
    expect(members.invitations.value.map((i) => i.delivery?.status)).toEqual(["failed"]);
  });
});
