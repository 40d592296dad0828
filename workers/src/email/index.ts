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

export interface SendOptions {
  /** Aborts the attempt (its timeout); the provider must stop waiting when it fires. */
  signal?: AbortSignal | undefined;
  /** The same for every attempt at one message, so a provider that supports it never sends it twice. */
  idempotencyKey?: string | undefined;
}

export interface Mailer {
  readonly provider: string;
  send(message: OutgoingEmail, options?: SendOptions): Promise<{ messageId: string | null }>;
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

/**
 * Resend's HTTP API (POST https://api.resend.com/emails, bearer key, JSON body). Its
 * `Idempotency-Key` header makes a repeated request within 24 hours answer the first one's id
 * without sending again: a retry after a lost answer cannot duplicate the email.
 */
export function resendMailer(apiKey: string, from: string, fetchImpl: typeof fetch = fetch): Mailer {
  return {
    provider: "resend",
    async send(message, options = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
      if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
      const res = await fetchImpl("https://api.resend.com/emails", {
        method: "POST",
        headers,
        body: JSON.stringify({ from, to: [message.to], subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!res.ok) {
        const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
        throw new MailerError(`resend answered HTTP ${res.status}`, retryable);
      }
      return { messageId: ResendReply.parse(await res.json()).id };
    },
  };
}

export function mailerFor(config: Config, fetchImpl: typeof fetch = fetch): Mailer {
  return config.email.provider === "resend" ? resendMailer(config.email.apiKey, config.email.from, fetchImpl) : devOutboxMailer;
}
