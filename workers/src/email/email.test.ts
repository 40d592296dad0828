import { describe, expect, it } from "vitest";
import { MailerError, resendMailer } from "./index.ts";

// Contract test on Resend's documented request and response shapes (POST /emails).
describe("Resend mailer", () => {
  it("sends the documented request and reads the message id", async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const fake: typeof fetch = async (input, init) => {
      seen = { url: String(input), init: init ?? {} };
      return new Response(JSON.stringify({ id: "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" }), { status: 200, headers: { "content-type": "application/json" } });
    };
    const mailer = resendMailer("re_123", "Speaknode <no-reply@speaknode.dev>", fake);
    const result = await mailer.send({ to: "a@example.test", subject: "Hi", text: "Hello", html: "<p>Hello</p>" }, { idempotencyKey: "speaknode/eml_1" });
    expect(result.messageId).toBe("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794");
    expect(seen?.url).toBe("https://api.resend.com/emails");
    expect(seen?.init.method).toBe("POST");
    expect(new Headers(seen?.init.headers).get("authorization")).toBe("Bearer re_123");
    // Resend answers a repeated key (within 24 h) with the first id instead of sending again.
    expect(new Headers(seen?.init.headers).get("idempotency-key")).toBe("speaknode/eml_1");
    expect(JSON.parse(String(seen?.init.body))).toEqual({ from: "Speaknode <no-reply@speaknode.dev>", to: ["a@example.test"], subject: "Hi", text: "Hello", html: "<p>Hello</p>" });
  });

  it("marks 429 and 5xx retryable and 422 not", async () => {
    const answer = (status: number): typeof fetch => async () => new Response(JSON.stringify({ statusCode: status, name: "validation_error", message: "x" }), { status });
    await expect(resendMailer("k", "f", answer(429)).send({ to: "a@b.c", subject: "s", text: "t" })).rejects.toMatchObject({ retryable: true });
    await expect(resendMailer("k", "f", answer(503)).send({ to: "a@b.c", subject: "s", text: "t" })).rejects.toMatchObject({ retryable: true });
    const err = await resendMailer("k", "f", answer(422)).send({ to: "a@b.c", subject: "s", text: "t" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailerError);
    expect(err).toMatchObject({ retryable: false });
  });
});
