// Rows → API bodies. Responses are never raw rows.
import type { ApiKey, Invitation, Space, SpaceRole } from "@speaknode/contracts";
import type { apiKeys, invitations, spaces } from "@speaknode/db";
import type { Delivery } from "../email/outbox.ts";
import { iso, isoOrNull } from "../lib/openapi.ts";

export function toSpace(row: typeof spaces.$inferSelect, role: SpaceRole): Space {
  return { id: row.id, name: row.name, role, maxConcurrentCalls: row.maxConcurrentCalls, createdAt: iso(row.createdAt), updatedAt: iso(row.updatedAt) };
}

export function invitationStatus(row: typeof invitations.$inferSelect, now = new Date()): Invitation["status"] {
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  if (row.expiresAt.getTime() <= now.getTime()) return "expired";
  return "pending";
}

export function toInvitation(row: typeof invitations.$inferSelect, delivery: Delivery | undefined): Invitation {
  return {
    id: row.id,
    spaceId: row.spaceId,
    email: row.email,
    role: row.role,
    status: invitationStatus(row),
    invitedBy: row.invitedBy,
    expiresAt: iso(row.expiresAt),
    lastSentAt: iso(row.lastSentAt),
    sendCount: row.sendCount,
    createdAt: iso(row.createdAt),
    delivery: delivery ? { status: delivery.status, attempts: delivery.attempts, at: iso(delivery.at), error: delivery.error } : null,
  };
}

export function toApiKey(row: typeof apiKeys.$inferSelect): ApiKey {
  return { id: row.id, spaceId: row.spaceId, name: row.name, prefix: row.prefix, createdAt: iso(row.createdAt), lastUsedAt: isoOrNull(row.lastUsedAt) };
}
