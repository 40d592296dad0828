// Invitation links: read the invitation with the token from the email (which space, as what, from
// whom) before accepting it with POST /v1/invitations/accept; then the new space joins the spaces
// store so the switcher shows it at once.
import { AcceptedInvitation, AcceptInvitationBody, InvitationPreview } from "../../../packages/contracts/src/spaces.ts";
import type { z } from "zod";
import type { Api } from "../api/client.ts";
import type { SpacesStore } from "./spaces.ts";

export async function previewInvitation(api: Api, token: string): Promise<InvitationPreview> {
  return api.json(InvitationPreview, "POST", "/v1/invitations/preview", { body: AcceptInvitationBody.parse({ token }) });
}

export async function acceptInvitation(api: Api, spaces: SpacesStore, token: string): Promise<z.infer<typeof AcceptedInvitation>> {
  const accepted = await api.json(AcceptedInvitation, "POST", "/v1/invitations/accept", { body: AcceptInvitationBody.parse({ token }) });
  await spaces.load();
  return accepted;
}
