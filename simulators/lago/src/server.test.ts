// The Lago simulator itself: its webhooks carry Lago's signatures (checked here with node:crypto
// the way Lago's documentation says a receiver checks them) and its charges rate as graduated ranges.
import { createHmac, createPublicKey, createVerify } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graduatedCents, startLagoSimulator, type LagoSimulator } from "./server.ts";

let sim: LagoSimulator;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    res.end("ok");
  });
});
let receiverUrl = "";

beforeAll(async () => {
  sim = await startLagoSimulator({ apiKey: "k", hmacKey: "hmac-key" });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await sim.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("Lago simulator", () => {
  it("signs hmac webhooks as base64 HMAC-SHA256 of the body with the key", async () => {
    await sim.sendWebhook({ url: receiverUrl, algorithm: "hmac", body: { webhook_type: "invoice.created" }, uniqueKey: "u-1" });
    const got = received.at(-1)!;
    expect(got.headers["x-lago-signature-algorithm"]).toBe("hmac");
    expect(got.headers["x-lago-unique-key"]).toBe("u-1");
    expect(got.headers["x-lago-signature"]).toBe(createHmac("sha256", "hmac-key").update(got.body).digest("base64"));
  });

  it("signs jwt webhooks with RS256 over {data: body, iss} under the key GET /webhooks/public_key returns", async () => {
    await sim.sendWebhook({ url: receiverUrl, algorithm: "jwt", body: { webhook_type: "invoice.voided" } });
    const got = received.at(-1)!;
    const [head, payload, signature] = String(got.headers["x-lago-signature"]).split(".");
    const res = await fetch(`${sim.url}/api/v1/webhooks/public_key`, { headers: { authorization: "Bearer k" } });
    const pem = Buffer.from(await res.text(), "base64").toString("utf8");
    const ok = createVerify("RSA-SHA256").update(`${head}.${payload}`).verify(createPublicKey(pem), Buffer.from(signature!, "base64url"));
    expect(ok).toBe(true);
    expect(JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"))).toEqual({ data: got.body, iss: sim.url });
  });

  it("refuses a wrong API key and rates graduated ranges inclusively", async () => {
    const res = await fetch(`${sim.url}/api/v1/invoices`, { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    const ranges = [
      { from_value: 0, to_value: 100, flat_amount: "0", per_unit_amount: "0" },
      { from_value: 101, to_value: null, flat_amount: "0", per_unit_amount: "0.01" },
    ];
    expect(graduatedCents(100, ranges)).toBe(0);
    expect(graduatedCents(150, ranges)).toBe(50);
  });
});
