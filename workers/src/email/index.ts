// Outgoing email: every message is written to the email_outbox table first (the record, and what
// the dev mail page shows), then handed to the configured provider. A failed delivery is kept
// with its error; it never fails the operation that wrote it.
import { eq } from "drizzle-orm";
import { z } from "zod";
import { newId, text } from "@speaknode/contracts";
import { emailOutbox, type Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  readonly provider: string;
  send(message: OutgoingEmail): Promise<{ messageId: string | null }>;
}

export class MailerError extends Error {
  override name = "MailerError";
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** Embedded default: the outbox table is the mailbox; people read it at /dev/mail. */
export const devOutboxMailer: Mailer = {
  provider: "dev-outbox",
  send: async () => ({ messageId: null }),
};

const ResendReply = z.object({ id: text() });

/** Resend's HTTP API (POST https://api.resend.com/emails, bearer key, JSON body). */
export function resendMailer(apiKey: string, from: string, fetchImpl: typeof fetch = fetch): Mailer {
  return {
    provider: "resend",
    async send(message) {
      const res = await fetchImpl("https://api.resend.com/emails", {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) }),
      });
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
        throw new MailerError(`resend answered HTTP ${res.status}`, retryable);
      }
      return { messageId: ResendReply.parse(await res.json()).id };
    },
  };
}

export function mailerFor(config: Config): Mailer {
  return config.email.provider === "resend" ? resendMailer(config.email.apiKey, config.email.from) : devOutboxMailer;
}

export async function sendEmail(db: Database, mailer: Mailer, kind: string, message: OutgoingEmail): Promise<string> {
  const id = newId("email");
  await db.insert(emailOutbox).values({ id, kind, toAddress: message.to, subject: message.subject, textBody: message.text, htmlBody: message.html ?? null });
  try {
    const { messageId } = await mailer.send(message);
    await db
      .update(emailOutbox)
      .set({ status: "sent", provider: mailer.provider, providerMessageId: messageId, attempts: 1, sentAt: new Date() })
      .where(eq(emailOutbox.id, id));
  } catch (err) {
    log.warn("email delivery failed", { emailId: id, provider: mailer.provider, ...errorFields(err) });
    await db
      .update(emailOutbox)
      .set({ status: "failed", provider: mailer.provider, attempts: 1, lastError: err instanceof Error ? err.message : String(err) })
      .where(eq(emailOutbox.id, id));
  }
  return id;
}
