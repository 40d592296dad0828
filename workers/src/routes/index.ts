// The flat list of every operation of the API.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { registerAdminUsersList } from "./admin-users-list.ts";
import { registerApiKeysCreate } from "./api-keys-create.ts";
import { registerApiKeysList } from "./api-keys-list.ts";
import { registerApiKeysRevoke } from "./api-keys-revoke.ts";
import { registerHealthz } from "./healthz.ts";
import { registerInvitationsAccept } from "./invitations-accept.ts";
import { registerInvitationsCreate } from "./invitations-create.ts";
import { registerInvitationsList } from "./invitations-list.ts";
import { registerInvitationsResend } from "./invitations-resend.ts";
import { registerInvitationsRevoke } from "./invitations-revoke.ts";
import { registerMe } from "./me.ts";
import { registerMembersList } from "./members-list.ts";
import { registerMembersRemove } from "./members-remove.ts";
import { registerMembersUpdate } from "./members-update.ts";
import { registerSpacesCreate } from "./spaces-create.ts";
import { registerSpacesDelete } from "./spaces-delete.ts";
import { registerSpacesGet } from "./spaces-get.ts";
import { registerSpacesList } from "./spaces-list.ts";
import { registerSpacesUpdate } from "./spaces-update.ts";

export function registerRoutes(app: OpenAPIHono<AppEnv>): void {
  registerHealthz(app);
  registerMe(app);
  registerSpacesList(app);
  registerSpacesCreate(app);
  registerSpacesGet(app);
  registerSpacesUpdate(app);
  registerSpacesDelete(app);
  registerMembersList(app);
  registerMembersUpdate(app);
  registerMembersRemove(app);
  // `accept` before `{invitationId}` routes so the literal path wins.
  registerInvitationsAccept(app);
  registerInvitationsCreate(app);
  registerInvitationsList(app);
  registerInvitationsResend(app);
  registerInvitationsRevoke(app);
  registerApiKeysCreate(app);
  registerApiKeysList(app);
  registerApiKeysRevoke(app);
  registerAdminUsersList(app);
}
