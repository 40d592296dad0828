// API shapes of spaces, their members, invitations and API keys.
import { z } from "zod";
import { text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";

const timestamp = Timestamp;

export const SpaceRole = z.enum(["owner", "member"]).meta({ id: "SpaceRole" });
export type SpaceRole = z.infer<typeof SpaceRole>;

export const SpaceName = text().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

export const Space = z
  .object({
    id: idSchema("space"),
    name: text(),
    /** The caller's role in this space. */
    role: SpaceRole,
    /** Live phone calls the space may have at once, over all its numbers and campaigns. */
    maxConcurrentCalls: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Space" });
export type Space = z.infer<typeof Space>;

export const CreateSpaceBody = z.strictObject({ name: SpaceName }).meta({ id: "CreateSpaceBody" });
export const SpaceMaxConcurrentCalls = z.number().int().min(1).max(1000);

/** Rename the space, change its concurrent-call limit, or both. */
export const UpdateSpaceBody = z
  .strictObject({ name: SpaceName.optional(), maxConcurrentCalls: SpaceMaxConcurrentCalls.optional() })
  .refine((b) => b.name !== undefined || b.maxConcurrentCalls !== undefined, "must set name, maxConcurrentCalls or both")
  .meta({ id: "UpdateSpaceBody" });
export type UpdateSpaceBody = z.infer<typeof UpdateSpaceBody>;

export const Member = z
  .object({
    userId: idSchema("user"),
    email: text(),
    name: text().nullable(),
    role: SpaceRole,
    joinedAt: timestamp,
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof Member>;

export const UpdateMemberBody = z.strictObject({ role: SpaceRole }).meta({ id: "UpdateMemberBody" });

export const InvitationStatus = z.enum(["pending", "accepted", "revoked", "expired"]);

/** Where the invitation's latest email is: waiting for (another) attempt, taken by the provider, or given up. */
export const EmailDeliveryStatus = z.enum(["pending", "sent", "failed"]).meta({ id: "EmailDeliveryStatus" });
export type EmailDeliveryStatus = z.infer<typeof EmailDeliveryStatus>;

export const InvitationDelivery = z
  .object({
    status: EmailDeliveryStatus,
    /** Attempts made so far (0 before the first). */
    attempts: z.number().int().min(0),
    /** pending: when the next attempt is due; sent: when the provider took it; failed: when the last attempt failed. */
    at: timestamp,
    /** Why the last attempt failed (provider status or timeout; never credentials); null once sent. */
    error: text().nullable(),
  })
  .meta({ id: "InvitationDelivery" });
export type InvitationDelivery = z.infer<typeof InvitationDelivery>;

export const Invitation = z
  .object({
    id: idSchema("invitation"),
    spaceId: idSchema("space"),
    email: text(),
    role: SpaceRole,
    status: InvitationStatus,
    invitedBy: text().nullable(),
    expiresAt: timestamp,
    lastSentAt: timestamp,
    sendCount: z.number().int(),
    createdAt: timestamp,
    /** The email of the latest send (delivered in the background); null if none was recorded. */
    delivery: InvitationDelivery.nullable(),
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof Invitation>;

export const CreateInvitationBody = z
  .strictObject({
    email: text().trim().toLowerCase().pipe(z.email("must be an email address")).pipe(text().max(320)),
    role: SpaceRole.default("member"),
  })
  .meta({ id: "CreateInvitationBody" });

export const AcceptInvitationBody = z
  .strictObject({ token: text().min(1).max(200) })
  .meta({ id: "AcceptInvitationBody" });

/**
 * What an invitation link offers, read with its token before accepting (the accept page names
 * the space): which space, the role, who invited, the address it was sent to, and whether it is
 * still open.
 */
export const InvitationPreview = z
  .object({
    spaceId: idSchema("space"),
    spaceName: text(),
    role: SpaceRole,
    /** The inviter's name (or email); null when the inviter's account is gone or it was not a person. */
    invitedByName: text().nullable(),
    email: text(),
    status: InvitationStatus,
    expiresAt: timestamp,
  })
  .meta({ id: "InvitationPreview" });
export type InvitationPreview = z.infer<typeof InvitationPreview>;

export const AcceptedInvitation = z
  .object({ spaceId: idSchema("space"), role: SpaceRole })
  .meta({ id: "AcceptedInvitation" });

export const ApiKey = z
  .object({
    id: idSchema("apiKey"),
    spaceId: idSchema("space"),
    name: text(),
    /** The first characters of the secret, to tell keys apart. */
    prefix: text(),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
  })
  .meta({ id: "ApiKey" });
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKeyBody = z
  .strictObject({ name: text().trim().min(1, "must not be empty").max(100, "must be at most 100 characters") })
  .meta({ id: "CreateApiKeyBody" });

export const CreatedApiKey = ApiKey.extend({
  /** The secret, shown this once and never again. */
  key: text(),
}).meta({ id: "CreatedApiKey" });

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item) });
}
