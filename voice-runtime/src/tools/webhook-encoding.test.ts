// The bytes a webhook tool puts on the wire for the encodings real API documents ask for (Twilio's
// and Stripe's form bodies, OpenAPI path and query styles), and where its secret query parameters go.
import { afterEach, describe, expect, it } from "vitest";
import { closeAll, harness, json, startApi, toolDef } from "./testing.ts";

afterEach(closeAll);

describe("a webhook tool's request encoding", () => {
  it("posts a Twilio CreateCall-style form body with an array repeated per value", async () => {
    const api = await startApi(json(201, { sid: "CA1", status: "queued" }));
    const def = toolDef({
      code: "create_call",
      url: `${api.base}/2010-04-01/Accounts/{AccountSid}/Calls.json`,
      bodyEncoding: "form",
      bodySchema: {
        type: "object",
        properties: { AccountSid: { type: "string" }, To: { type: "string" }, From: { type: "string" }, Url: { type: "string" }, StatusCallbackEvent: { type: "array", items: { type: "string" } }, Record: { type: "boolean" } },
        required: ["AccountSid", "To", "From"],
      },
      parameterLocations: { AccountSid: "path", To: "body", From: "body", Url: "body", StatusCallbackEvent: "body", Record: "body" },
      headers: {},
      secretHeaders: { Authorization: "Basic QUMxOnRva2Vu" },
    });
    const result = await (await harness(def)).call({ AccountSid: "AC1", To: "+15550100", From: "+15550199", Url: "https://example.com/twiml?x=1 2", StatusCallbackEvent: ["initiated", "answered"], Record: true });
    expect(result.isError).toBe(false);
    const req = api.seen[0];
    expect(req?.method).toBe("POST");
    expect(req?.url).toBe("/2010-04-01/Accounts/AC1/Calls.json");
    expect(req?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req?.headers["authorization"]).toBe("Basic QUMxOnRva2Vu");
    expect(req?.body).toBe("To=%2B15550100&From=%2B15550199&Url=https%3A%2F%2Fexample.com%2Ftwiml%3Fx%3D1+2&StatusCallbackEvent=initiated&StatusCallbackEvent=answered&Record=true");
    // What the server's form parser reads back.
    const form = new URLSearchParams(req?.body);
    expect(form.getAll("StatusCallbackEvent")).toEqual(["initiated", "answered"]);
    expect(form.get("Url")).toBe("https://example.com/twiml?x=1 2");
  });

  it("posts a Stripe-style form body with deepObject metadata and indexed expand", async () => {
    const api = await startApi(json(200, { id: "cus_1" }));
    const def = toolDef({
      code: "create_customer",
      url: `${api.base}/v1/customers`,
      bodyEncoding: "form",
      bodySchema: { type: "object", properties: { description: { type: "string" }, metadata: { type: "object", additionalProperties: { type: "string" } }, expand: { type: "array", items: { type: "string" } }, address: { type: "object" } } },
      parameterLocations: null,
      parameterStyles: { expand: { style: "deepObject", explode: true, allowReserved: false }, metadata: { style: "deepObject", explode: true, allowReserved: false } },
      headers: {},
    });
    await (await harness(def)).call({ description: "Big spender", metadata: { order_id: "A-1", note: "VIP & co" }, expand: ["default_source", "invoice_settings.default_payment_method"], address: { line1: "1 Main St", city: null } });
    expect(api.seen[0]?.body).toBe(
      "description=Big+spender&metadata[order_id]=A-1&metadata[note]=VIP+%26+co&expand[0]=default_source&expand[1]=invoice_settings.default_payment_method&address[line1]=1+Main+St",
    );
    expect(api.seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("sends a form-encoded DELETE's arguments as its body, and a plain DELETE's in the query string", async () => {
    const api = await startApi(json(200, {}));
    const schema = { type: "object", properties: { id: { type: "string" }, reason: { type: "string" } }, required: ["id"] };
    const form = toolDef({ method: "DELETE", url: `${api.base}/subscriptions/{id}`, bodyEncoding: "form", bodySchema: schema, parameterLocations: null, headers: {} });
    await (await harness(form)).call({ id: "sub_1", reason: "moved away" });
    expect(api.seen[0]?.url).toBe("/subscriptions/sub_1");
    expect(api.seen[0]?.body).toBe("reason=moved+away");
    expect(api.seen[0]?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const plain = toolDef({ method: "DELETE", url: `${api.base}/subscriptions/{id}`, bodySchema: schema, parameterLocations: null, headers: {} });
    await (await harness(plain)).call({ id: "sub_2", reason: "moved away" });
    expect(api.seen[1]?.url).toBe("/subscriptions/sub_2?reason=moved%20away");
  });

  it("writes label and matrix path parameters with their own delimiters", async () => {
    const api = await startApi(json(200, {}));
    const def = toolDef({
      method: "GET",
      url: `${api.base}/palette{shades}/items{sel}/{id}`,
      bodySchema: { type: "object", properties: { shades: { type: "array" }, sel: { type: "array" }, id: { type: "object" } } },
      parameterStyles: {
        shades: { style: "label", explode: true, allowReserved: false },
        sel: { style: "matrix", explode: true, allowReserved: false },
        id: { style: "simple", explode: true, allowReserved: false },
      },
      headers: {},
      secretHeaders: {},
    });
    await (await harness(def)).call({ shades: ["blue", "dark red"], sel: [1, 2], id: { kind: "a/b", n: 3 } });
    expect(api.seen[0]?.url).toBe("/palette.blue.dark%20red/items;sel=1;sel=2/kind=a%2Fb,n=3");
  });

  it("refuses a styled path argument that would make a dot segment, sending nothing", async () => {
    const api = await startApi(json(200, {}));
    const def = toolDef({ method: "GET", url: `${api.base}/a/{sel}/b`, bodySchema: { type: "object", properties: { sel: { type: "string" } } }, parameterStyles: { sel: { style: "label", explode: false, allowReserved: false } }, headers: {}, secretHeaders: {} });
    const h = await harness(def);
    const result = await h.call({ sel: "." });
    expect(result.isError).toBe(true);
    expect(result.output).toContain('"." or ".." path segment');
    expect(api.seen).toHaveLength(0);
  });

  it("writes spaceDelimited, pipeDelimited and allowReserved query parameters", async () => {
    const api = await startApi(json(200, []));
    const def = toolDef({
      method: "GET",
      url: `${api.base}/search?region={{region}}`,
      bodySchema: { type: "object", properties: { ids: { type: "array" }, tags: { type: "array" }, next: { type: "string" }, q: { type: "string" } } },
      parameterStyles: {
        ids: { style: "spaceDelimited", explode: false, allowReserved: false },
        tags: { style: "pipeDelimited", explode: false, allowReserved: false },
        next: { style: "form", explode: true, allowReserved: true },
      },
      headers: {},
      secretHeaders: {},
    });
    await (await harness(def)).call({ ids: [1, 2, 3], tags: ["a b", "c|d"], next: "/v1/items/x:y,z@w", q: "/v1/items/x:y" });
    expect(api.seen[0]?.url).toBe("/search?region=eu&ids=1%202%203&tags=a%20b|c%7Cd&next=/v1/items/x:y,z@w&q=%2Fv1%2Fitems%2Fx%3Ay");
  });
});

describe("a webhook tool's secret query parameters", () => {
  const secretKey = "sk_test_51Hx9Secret";

  it("are appended on the origin they are bound to, replacing any parameter of the same name", async () => {
    const api = await startApi(json(200, { ok: true }));
    const def = toolDef({
      method: "GET",
      url: `${api.base}/items?api_key=placeholder&region={{region}}`,
      bodySchema: { type: "object", properties: { q: { type: "string" }, api_key: { type: "string" } } },
      headers: {},
      secretHeaders: {},
      secretQuery: { api_key: secretKey, "auth[sig]": "s p/ce" },
    });
    const h = await harness(def);
    expect((await h.call({ q: "shoes", api_key: "from-the-llm" })).isError).toBe(false);
    expect(api.seen[0]?.url).toBe(`/items?region=eu&q=shoes&api_key=${secretKey}&auth[sig]=s%20p%2Fce`);
    // The record keeps the LLM's arguments; the secret is nowhere in it.
    expect(h.records[0]?.request).toEqual({ q: "shoes", api_key: "from-the-llm" });
    expect(JSON.stringify(h.records)).not.toContain(secretKey);
  });

  it("are never sent to another origin, even when the tool has no secret headers", async () => {
    const api = await startApi(json(200, { ok: true }));
    const h = await harness(toolDef({ method: "GET", url: `${api.base}/items`, headers: {}, secretHeaders: {}, secretQuery: { api_key: secretKey }, secretOrigin: "https://api.example.com" }));
    const result = await h.call({ orderId: "1", qty: 1 });
    expect(result.isError).toBe(true);
    expect(result.output).toContain("not where its credentials belong");
    expect(api.seen).toHaveLength(0);
    expect(h.records[0]?.error).toContain(`the request would go to ${api.base}; its secrets are bound to https://api.example.com`);
  });

  it("are redacted from what the API quotes back, in errors and in answers", async () => {
    const echo = (status: number) => startApi((req, res) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ message: `bad request to ${req.url ?? ""}`, key: secretKey, auth: req.headers.authorization })));
    for (const status of [400, 200]) {
      const api = await echo(status);
      const h = await harness(toolDef({ method: "GET", url: `${api.base}/items`, bodySchema: { type: "object", properties: {} }, headers: {}, secretHeaders: { Authorization: "Bearer hdr_token_123" }, secretQuery: { api_key: secretKey } }));
      const result = await h.call({});
      expect(api.seen[0]?.url).toBe(`/items?api_key=${secretKey}`);
      expect(result.isError).toBe(status === 400);
      expect(result.output).toContain("api_key=[redacted]");
      for (const text of [result.output, JSON.stringify(h.records[0]?.response ?? null), h.records[0]?.error ?? ""]) {
        expect(text).not.toContain(secretKey);
        expect(text).not.toContain("hdr_token_123");
      }
    }
  });
});
