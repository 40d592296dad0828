// API shapes of spaces, their members, invitations and API keys.
import { z } from "zod";
import { idSchema, Timestamp } from "./ids.ts";

const timestamp = Timestamp;

export const SpaceRole = z.enum(["owner", "member"]).meta({ id: "SpaceRole" });
export type SpaceRole = z.infer<typeof SpaceRole>;

export const SpaceName = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

export const Space = z
  .object({
    id: idSchema("space"),
    name: z.string(),
    /** The caller's role in this space. */
    role: SpaceRole,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Space" });
export type Space = z.infer<typeof Space>;

export const CreateSpaceBody = z.strictObject({ name: SpaceName }).meta({ id: "CreateSpaceBody" });
export const UpdateSpaceBody = z.strictObject({ name: SpaceName }).meta({ id: "UpdateSpaceBody" });

export const Member = z
  .object({
    userId: idSchema("user"),
    email: z.string(),
    name: z.string().nullable(),
    role: SpaceRole,
    joinedAt: timestamp,
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const UpdateMemberBody = z.strictObject({ role: SpaceRole }).meta({ id: "UpdateMemberBody" });

export const InvitationStatus = z.enum(["pending", "accepted", "revoked", "expired"]);

export const Invitation = z
  .object({
    id: idSchema("invitation"),
    spaceId: idSchema("space"),
    email: z.string(),
    role: SpaceRole,
    status: InvitationStatus,
    invitedBy: z.string().nullable(),
    expiresAt: timestamp,
    lastSentAt: timestamp,
    sendCount: z.number().int(),
    createdAt: timestamp,
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof Invitation>;

export const CreateInvitationBody = z
  .strictObject({
    email: z.string().trim().toLowerCase().pipe(z.email("must be an email address")).pipe(z.string().max(320)),
    role: SpaceRole.default("member"),
  })
  .meta({ id: "CreateInvitationBody" });

export const AcceptInvitationBody = z
  .strictObject({ token: z.string().min(1).max(200) })
  .meta({ id: "AcceptInvitationBody" });

export const AcceptedInvitation = z
  .object({ spaceId: idSchema("space"), role: SpaceRole })
  .meta({ id: "AcceptedInvitation" });

export const ApiKey = z
  .object({
    id: idSchema("apiKey"),
    spaceId: idSchema("space"),
    name: z.string(),
    /** The first characters of the secret, to tell keys apart. */
    prefix: z.string(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKeyBody = z
  .strictObject({ name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters") })
  .meta({ id: "CreateApiKeyBody" });

export const CreatedApiKey = ApiKey.extend({
  /** The secret, shown this once and never again. */
  key: z.string(),
}).meta({ id: "CreatedApiKey" });

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item) });
}
