// What invitation create and resend share: a fresh single-use token (only its hash is stored)
// and the email carrying the activation link, written to the outbox and delivered after the
// response (email/delivery.ts): a slow or failing provider never holds up or fails the request.
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { randomToken, sha256Hex } from "../auth/api-keys.ts";
import { deliverAfterResponse } from "../email/delivery.ts";
import { enqueueEmail, type Delivery } from "../email/outbox.ts";
import { publicOrigin } from "../lib/public-url.ts";

export async function newInvitationToken(): Promise<{ token: string; tokenHash: string }> {
  const token = randomToken(32);
  return { token, tokenHash: await sha256Hex(token) };
}

export function invitationExpiry(c: Context<AppEnv>): Date {
  return new Date(Date.now() + c.get("config").invitationTtlHours * 3_600_000);
}

/** The kind of outbox row an invitation's email is, with the invitation's id as its ref. */
export const invitationEmailKind = "invitation";

/** Queues the invitation's email and starts its delivery; returns the new message's delivery state. */
export async function mailInvitation(
  c: Context<AppEnv>,
  invite: { id: string; spaceId: string; email: string; role: string; expiresAt: Date },
  token: string,
): Promise<Delivery> {
  const db = c.get("db");
  const [space] = await db.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, invite.spaceId));
  const principal = c.get("principal");
  const inviter = principal.type === "user" ? principal.name ?? principal.email : "A Speaknode admin";
  const base = publicOrigin(c);
  const link = `${base}/invitations/accept?token=${encodeURIComponent(token)}`;
  const spaceName = space?.name ?? "a space";
  const text = [
    `${inviter} invited you to join "${spaceName}" on Speaknode as ${invite.role === "owner" ? "an Owner" : "a Member"}.`,
    "",
    `Join ${spaceName}: ${link}`,
    "",
    `The link works once and expires on ${invite.expiresAt.toUTCString()}.`,
  ].join("\n");
  const html = `<p>${escapeHtml(inviter)} invited you to join <b>${escapeHtml(spaceName)}</b> on Speaknode.</p><p><a href="${escapeHtml(link)}">Join ${escapeHtml(spaceName)}</a></p><p>The link works once and expires on ${escapeHtml(invite.expiresAt.toUTCString())}.</p>`;
  const at = new Date();
  const emailId = await enqueueEmail(db, { kind: invitationEmailKind, ref: invite.id, message: { to: invite.email, subject: `Join ${spaceName} on Speaknode`, text, html } }, at);
  deliverAfterResponse(c, [emailId]);
  return { status: "pending", attempts: 0, at, error: null };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch);
}
