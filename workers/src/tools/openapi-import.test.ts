import { describe, expect, it } from "vitest";
import { CreateToolBody, ObjectJsonSchema, type JsonSchema } from "@speaknode/contracts";
import { importOpenApi, indexOpenApi, OpenApiImportError, parseOpenApiText, type ImportedTool } from "./openapi-import.ts";
import ordersYaml from "./fixtures/orders-api.yaml?raw";
import petstoreJson from "./fixtures/petstore-30.json?raw";

const base = "https://eu.api.greengage.example/v2";

function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { openapi: "3.1.0", info: { title: "t", version: "1" }, servers: [{ url: "https://api.example.com" }], paths, ...extra };
}

function byCode(tools: ImportedTool[], code: string): ImportedTool {
  const tool = tools.find((t) => t.draft.code === code);
  if (!tool) throw new Error(`no tool ${code} among ${tools.map((t) => t.draft.code).join(", ")}`);
  return tool;
}

function prop(schema: JsonSchema | undefined, ...path: string[]): JsonSchema | undefined {
  let node = schema;
  for (const key of path) node = key === "[]" ? node?.items : node?.properties?.[key];
  return node;
}

function importError(run: () => unknown): OpenApiImportError {
  try {
    run();
  } catch (e) {
    if (e instanceof OpenApiImportError) return e;
    throw e;
  }
  throw new Error("expected an OpenApiImportError");
}

describe("importing the orders & deliveries fixture", () => {
  const result = importOpenApi(parseOpenApiText(ordersYaml));

  it("turns every JSON operation into a tool with the expected code, method, URL, required list and parameter locations", () => {
    const summary = result.tools.map((t) => ({
      code: t.draft.code,
      method: t.draft.method,
      url: t.draft.url,
      required: t.draft.bodySchema?.required ?? [],
      locations: t.parameterLocations,
    }));
    expect(summary).toEqual([
      { code: "list_orders", method: "GET", url: `${base}/orders`, required: ["customerPhone"], locations: { customerPhone: "query", status: "query", limit: "query" } },
      { code: "get_order_by_id", method: "GET", url: `${base}/orders/{orderId}`, required: ["orderId"], locations: { orderId: "path" } },
      { code: "cancel_order", method: "DELETE", url: `${base}/orders/{orderId}`, required: ["orderId"], locations: { orderId: "path", reason: "query" } },
      {
        code: "create_return",
        method: "POST",
        url: `${base}/orders/{orderId}/returns`,
        required: ["orderId", "reason", "items"],
        locations: { orderId: "path", reason: "body", items: "body", refundTo: "body", note: "body" },
      },
      { code: "reschedule_delivery", method: "PUT", url: `${base}/orders/{orderId}/delivery`, required: ["orderId", "slot"], locations: { orderId: "path", slot: "body", instructions: "body" } },
      { code: "get_delivery_slots", method: "GET", url: `${base}/delivery-slots`, required: ["postcode"], locations: { postcode: "query", from: "query" } },
    ]);
  });

  it("produces drafts that CreateToolBody accepts, with absolute URLs and the defaults", () => {
    for (const tool of result.tools) {
      expect(tool.needsBaseUrl).toBe(false);
      const parsed = CreateToolBody.safeParse(tool.draft);
      expect(parsed.success, `${tool.draft.code}: ${parsed.error?.message}`).toBe(true);
      expect(tool.draft).toMatchObject({ timeoutMs: 10_000, headers: {}, transferRules: [] });
      expect(tool.draft.url.startsWith("https://eu.api.greengage.example/v2/")).toBe(true);
    }
  });

  it("takes the summary as description, else the trimmed description", () => {
    expect(byCode(result.tools, "list_orders").draft.description).toBe("List the recent orders of a customer, newest first.");
    expect(byCode(result.tools, "cancel_order").draft.description).toMatch(/^Cancel an order that has not left the warehouse yet\..*offer a return instead\.$/s);
  });

  it("records the source of each tool, without an operationId when the document has none", () => {
    expect(byCode(result.tools, "create_return").source).toEqual({ path: "/orders/{orderId}/returns", method: "post", operationId: "create-return" });
    expect(byCode(result.tools, "get_delivery_slots").source).toEqual({ path: "/delivery-slots", method: "get" });
  });

  it("skips the required multipart upload and says so", () => {
    expect(result.tools.some((t) => t.source.path.includes("damage-photos"))).toBe(false);
    expect(result.warnings).toContain("POST /orders/{orderId}/damage-photos: skipped: its required request body (multipart/form-data) is neither JSON nor a form without files");
  });

  it("inlines nested references, keeps parameter descriptions and drops read-only properties from request bodies", () => {
    const reschedule = byCode(result.tools, "reschedule_delivery").draft.bodySchema;
    expect(prop(reschedule, "slot", "window")).toEqual({
      type: "object",
      properties: { start: { type: "string", format: "date-time" }, end: { type: "string", format: "date-time" } },
      required: ["start", "end"],
    });
    expect(prop(reschedule, "slot", "slotId")).toBeUndefined();
    expect(prop(reschedule, "instructions")).toEqual({ type: ["string", "null"], maxLength: 300, examples: ["Leave it with the neighbour at number 12."] });
    expect(prop(reschedule, "orderId")?.description).toBe("The order number the caller reads out, like GG-10442.");
    const returns = byCode(result.tools, "create_return").draft.bodySchema;
    expect(Object.keys(returns?.properties ?? {})).toEqual(["orderId", "reason", "items", "refundTo", "note"]);
    expect(prop(returns, "refundTo")).toEqual({ type: "string", enum: ["original_payment", "store_credit"], default: "original_payment" });
  });

  it("cuts the recursive line-item reference at its second visit and warns", () => {
    const returns = byCode(result.tools, "create_return").draft.bodySchema;
    expect(prop(returns, "items", "[]")?.required).toEqual(["sku", "quantity"]);
    expect(prop(returns, "items", "[]", "bundleParts", "[]")).toEqual({ type: "object" });
    expect(result.warnings.some((w) => w.includes("recursive $ref #/components/schemas/LineItem"))).toBe(true);
  });

  it("puts header parameters into headersSchema and leaves Accept and cookies out with warnings", () => {
    const returns = byCode(result.tools, "create_return");
    expect(returns.draft.headersSchema).toEqual({
      type: "object",
      properties: { "Idempotency-Key": { type: "string", format: "uuid", description: "A fresh UUID per return, so a retried call does not open two returns." } },
      required: ["Idempotency-Key"],
    });
    expect(byCode(result.tools, "list_orders").draft.headersSchema).toBeUndefined();
    expect(result.warnings.some((w) => w.startsWith("POST /orders/{orderId}/returns: header parameter Accept is left out"))).toBe(true);
    expect(result.warnings).toContain("POST /orders/{orderId}/returns: cookie parameter session is not supported; left out");
  });

  it("hints at the secret headers of the document-wide, the operation's own and the switched-off security", () => {
    expect(byCode(result.tools, "list_orders").securityHints).toEqual(["X-Shop-Key"]);
    expect(byCode(result.tools, "cancel_order").securityHints).toEqual(["Authorization"]);
    expect(byCode(result.tools, "get_delivery_slots").securityHints).toEqual([]);
  });
});

describe("importing the OpenAPI 3.0 petstore fixture", () => {
  const result = importOpenApi(parseOpenApiText(petstoreJson, "application/json"));

  it("keeps 3.0 nullable, rewrites boolean exclusiveMinimum and example, and merges allOf", () => {
    const add = byCode(result.tools, "add_pet").draft.bodySchema;
    expect(prop(add, "tag")).toEqual({ type: "string", nullable: true });
    expect(prop(add, "name")).toEqual({ type: "string", examples: ["Biscuit"] });
    expect(prop(add, "id")).toBeUndefined();
    expect(add?.required).toEqual(["name", "ownerPhone"]);
    expect(prop(byCode(result.tools, "list_pets").draft.bodySchema, "limit")).toEqual({ type: "integer", exclusiveMinimum: 0, maximum: 100 });
  });

  it("marks tools of a document with a relative server as needing a base URL, keeping the server path", () => {
    expect(result.tools.map((t) => [t.draft.url, t.needsBaseUrl])).toEqual([
      ["/api/v3/pets", true],
      ["/api/v3/pets", true],
      ["/api/v3/pets/{petId}", true],
    ]);
    expect(result.warnings).toEqual(["server /api/v3 is relative: the tools' URLs lack a host; set a base URL before saving them"]);
  });

  it("resolves a relative server against the URL the document came from", () => {
    const fetched = importOpenApi(parseOpenApiText(petstoreJson), { documentUrl: "https://clinic.example/openapi.json" });
    expect(fetched.tools.map((t) => [t.draft.url, t.needsBaseUrl])[2]).toEqual(["https://clinic.example/api/v3/pets/{petId}", false]);
    expect(fetched.warnings).toEqual([]);
  });
});

describe("parsing OpenAPI text", () => {
  it("reads the same document from YAML and from JSON", () => {
    const fromYaml = parseOpenApiText(ordersYaml, "application/yaml");
    const fromJson = parseOpenApiText(JSON.stringify(fromYaml), "application/json; charset=utf-8");
    expect(fromJson).toEqual(fromYaml);
    expect(importOpenApi(fromJson)).toEqual(importOpenApi(fromYaml));
    expect(parseOpenApiText(`\uFEFF${JSON.stringify(fromYaml)}`)).toEqual(fromYaml);
  });

  it.each([
    ["an HTML error page", "<html><body>Not found</body></html>", undefined, /neither a JSON nor a YAML object/],
    ["broken JSON sent as JSON", '{"openapi": "3.1.0",', "application/json", /is not valid JSON/],
    ["broken YAML", "openapi: 3.1.0\npaths: [unclosed\n  - x: {", undefined, /neither JSON nor YAML/],
    ["an empty file", "", undefined, /neither a JSON nor a YAML object/],
    ["a plain number", "42", undefined, /neither a JSON nor a YAML object/],
  ])("rejects %s with a clear error on the document field", (_what, text, contentType, message) => {
    const error = importError(() => parseOpenApiText(text, contentType));
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]?.field).toBe("document");
    expect(error.errors[0]?.message).toMatch(message);
  });
});

describe("rejecting documents that are not OpenAPI 3.0/3.1", () => {
  it.each([
    ["Swagger 2.0", { swagger: "2.0", info: {}, paths: {} }, "document.swagger", /Swagger 2\.0 is not supported/],
    ["OpenAPI 4", { openapi: "4.0.0", paths: {} }, "document.openapi", /version 4\.0\.0 is not supported/],
    ["a document without a version", { paths: {} }, "document.openapi", /not an OpenAPI 3\.0\/3\.1 document/],
    ["a document without paths", { openapi: "3.1.0" }, "document.paths", /no operations/],
    ["a document without operations", doc({ "/x": { head: {} } }), "document.paths", /has no GET, POST/],
    ["an array", [], "document", /must be an object/],
  ])("rejects %s", (_what, input, field, message) => {
    const error = importError(() => importOpenApi(input));
    expect(error.errors[0]?.field).toBe(field);
    expect(error.errors[0]?.message).toMatch(message);
  });

  it("reports every malformed operation and parameter with its field path", () => {
    const error = importError(() =>
      importOpenApi(
        doc({
          "/pets/{id}": { get: "list the pets", parameters: [{ in: "path" }] },
          "/owners": { post: { parameters: [{ name: "q", in: "body" }] } },
          pets: { get: {} },
        }),
      ),
    );
    expect(error.errors.map((e) => e.field).sort()).toEqual(["document.paths./owners.post.parameters.0", "document.paths./pets/{id}.get", "document.paths.pets"]);
  });

  it("indexes more than 200 operations and converts only the codes asked for", () => {
    const paths = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`/r${i}`, { get: { operationId: `getR${i}` }, delete: { operationId: `deleteR${i}` } }]));
    const index = indexOpenApi(doc(paths));
    expect(index.operations).toHaveLength(300);
    expect(index.operations[3]).toEqual({ code: "delete_r1", method: "DELETE", path: "/r1", summary: "", tags: [], deprecated: false });
    const { tools, operations } = importOpenApi(doc(paths), { codes: new Set(["get_r149", "delete_r0", "no_such_code"]) });
    expect(tools.map((t) => t.draft.code)).toEqual(["delete_r0", "get_r149"]);
    expect(operations).toEqual(index.operations);
  });
});

describe("request bodies and parameters", () => {
  it("puts a JSON body that is not an object under a body property", () => {
    const { tools } = importOpenApi(
      doc({
        "/tags": {
          post: {
            operationId: "addTags",
            requestBody: { required: true, description: "Tags to add", content: { "application/vnd.shop+json": { schema: { type: "array", items: { type: "string" } } } } },
          },
        },
      }),
    );
    const [tool] = tools;
    expect(tool?.bodyProperty).toBe("body");
    expect(tool?.parameterLocations).toEqual({ body: "body" });
    expect(tool?.draft.bodySchema).toEqual({ type: "object", properties: { body: { type: "array", items: { type: "string" }, description: "Tags to add" } }, required: ["body"] });
  });

  it("nests the body when its properties clash with parameter names", () => {
    const { tools, warnings } = importOpenApi(
      doc({
        "/items/{id}": {
          patch: {
            operationId: "patchItem",
            parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
            requestBody: { content: { "application/json": { schema: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } } } } },
          },
        },
      }),
    );
    expect(tools[0]?.parameterLocations).toEqual({ id: "path", body: "body" });
    expect(tools[0]?.bodyProperty).toBe("body");
    expect(warnings.some((w) => w.includes("body properties id clash with parameters"))).toBe(true);
  });

  it("imports an operation with an optional body that is neither JSON nor a form without a body, with a warning", () => {
    const { tools, warnings } = importOpenApi(doc({ "/notes": { post: { operationId: "addNote", requestBody: { content: { "text/plain": { schema: { type: "string" } } } } } } }));
    expect(tools[0]?.draft.bodySchema).toBeUndefined();
    expect(tools[0]?.parameterLocations).toEqual({});
    expect(warnings).toEqual(["POST /notes: its optional request body (text/plain) is neither JSON nor a form without files; imported without a body"]);
  });

  it("takes an undeclared path parameter as a required string and says so", () => {
    const { tools, warnings } = importOpenApi(doc({ "/shops/{shopId}/hours": { get: { operationId: "openingHours" } } }));
    expect(tools[0]?.draft.bodySchema).toEqual({ type: "object", properties: { shopId: { type: "string" } }, required: ["shopId"] });
    expect(warnings).toEqual(["GET /shops/{shopId}/hours: path parameter {shopId} is not declared; taken as a string"]);
  });

  it("leaves an Authorization header parameter out and suggests a secret header", () => {
    const { tools, warnings } = importOpenApi(
      doc({ "/me": { get: { operationId: "me", parameters: [{ name: "Authorization", in: "header", required: true, schema: { type: "string" } }, { name: "X-Store", in: "header", schema: { type: "string" } }] } } }),
    );
    expect(tools[0]?.draft.headersSchema).toEqual({ type: "object", properties: { "X-Store": { type: "string" } } });
    expect(warnings).toEqual(["GET /me: header parameter Authorization is left out: give its value as a secret header"]);
  });

  it("asks for apiKey headers, bearer tokens and query keys as credentials, hinting at the headers", () => {
    const { tools, warnings } = importOpenApi(
      doc(
        { "/x": { get: { operationId: "x", security: [{ key: [] }, { bearer: [], q: [] }, { missing: [] }] } } },
        { components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Api-Key" }, bearer: { type: "http", scheme: "bearer" }, q: { type: "apiKey", in: "query", name: "key" } } } },
      ),
    );
    expect(tools[0]?.securityHints).toEqual(["X-Api-Key", "Authorization"]);
    expect(tools[0]?.credentials).toEqual([
      { scheme: "key", kind: "header", name: "X-Api-Key" },
      { scheme: "bearer", kind: "bearer", name: "Authorization" },
      { scheme: "q", kind: "query", name: "key" },
    ]);
    expect(warnings).toEqual(["GET /x: security scheme missing is not defined"]);
  });

  it("drops keywords outside the subset and still passes the schema check", () => {
    const messy = {
      type: "object",
      "x-internal": true,
      discriminator: { propertyName: "kind" },
      xml: { name: "thing" },
      patternProperties: { "^x": { type: "string" } },
      not: { type: "null" },
      properties: {
        kind: { type: "string", const: "box", deprecated: true, writeOnly: true },
        size: { type: "integer", multipleOf: 2, example: 4, externalDocs: { url: "https://x.example" } },
        mode: { type: "file" },
        code: { type: "string", pattern: "(?<broken" },
        pair: { type: "array", items: [{ type: "string" }, { type: "number" }] },
        choice: { oneOf: [{ type: "string" }, { $ref: "https://elsewhere.example/schema.json" }] },
        mixed: { enum: ["a", { b: 1 }, null] },
        bag: { type: "object", additionalProperties: { type: "integer", readOnly: false } },
        wrong: { type: "string", properties: { a: { type: "string" } }, required: ["a", "zzz"] },
      },
      required: ["kind", "ghost"],
    };
    const { tools, warnings } = importOpenApi(doc({ "/things": { post: { operationId: "addThing", requestBody: { content: { "application/json": { schema: messy } } } } } }));
    const schema = tools[0]?.draft.bodySchema;
    expect(ObjectJsonSchema.safeParse(schema).success).toBe(true);
    expect(schema?.required).toEqual(["kind"]);
    expect(prop(schema, "kind")).toEqual({ type: "string", const: "box" });
    expect(prop(schema, "size")).toEqual({ type: "integer", examples: [4] });
    expect(prop(schema, "mode")).toEqual({});
    expect(prop(schema, "pair")).toEqual({ type: "array" });
    expect(prop(schema, "mixed")).toEqual({ enum: ["a", null] });
    expect(prop(schema, "wrong")).toEqual({ type: "string" });
    expect(warnings.length).toBeGreaterThanOrEqual(5);
  });
});

describe("bounds on schema expansion", () => {
  it("cuts schemas nested deeper than the depth limit", () => {
    const schemas = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`L${i}`, { type: "object", properties: { next: { $ref: `#/components/schemas/L${i + 1}` } } }]));
    const { tools, warnings } = importOpenApi(
      doc({ "/deep": { post: { operationId: "deep", requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/L0" } } } } } } }, { components: { schemas } }),
    );
    let depth = 0;
    for (let node = tools[0]?.draft.bodySchema; node?.properties?.next; node = node.properties.next) depth++;
    expect(depth).toBe(11);
    expect(warnings.some((w) => w.includes("nested deeper than 10 levels"))).toBe(true);
    expect(ObjectJsonSchema.safeParse(tools[0]?.draft.bodySchema).success).toBe(true);
  });

  it("stops an exponential fan-out of shared references at the node budget", () => {
    const level = (i: number) => ({ type: "object", properties: Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`p${k}`, { $ref: `#/components/schemas/F${i + 1}` }])) });
    const schemas = { ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`F${i}`, level(i)])), F8: { type: "string" } };
    const started = Date.now();
    const { tools, warnings } = importOpenApi(
      doc({ "/fan": { post: { operationId: "fan", requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/F0" } } } } } } }, { components: { schemas } }),
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.stringify(tools[0]?.draft.bodySchema).length).toBeLessThan(400_000);
    expect(warnings.some((w) => w.includes("schemas exceed 5000 nodes"))).toBe(true);
  });
});

describe("servers", () => {
  it("uses server variable defaults, the operation's own servers, and marks a variable without default", () => {
    const { tools, warnings } = importOpenApi(
      doc(
        {
          "/a": { get: { operationId: "a" } },
          "/b": { get: { operationId: "b", servers: [{ url: "https://{tenant}.example.com/api", variables: { tenant: { enum: ["acme"] } } }] } },
          "/c": { servers: [{ url: "https://{tenant}.example.com", variables: { tenant: {} } }], get: { operationId: "c" } },
        },
        { servers: [{ url: "https://api.example.com/{version}/", variables: { version: { default: "v3" } } }] },
      ),
    );
    expect(tools.map((t) => [t.draft.url, t.needsBaseUrl])).toEqual([
      ["https://api.example.com/v3/a", false],
      ["https://acme.example.com/api/b", false],
      ["/c", true],
    ]);
    expect(warnings).toEqual(["server https://{tenant}.example.com: variable {tenant} has no default; the tools' URLs are paths only"]);
  });

  it("marks every tool when the document names no server", () => {
    const { tools, warnings } = importOpenApi({ openapi: "3.0.3", paths: { "/ping": { get: {} } } });
    expect(tools[0]?.draft.url).toBe("/ping");
    expect(tools[0]?.needsBaseUrl).toBe(true);
    expect(warnings[0]).toMatch(/names no server/);
  });
});
