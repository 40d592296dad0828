import { describe, expect, it } from "vitest";
import { importOpenApi } from "./openapi-import.ts";

function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { openapi: "3.1.0", info: { title: "t", version: "1" }, servers: [{ url: "https://api.example.com" }], paths, ...extra };
}

const str = { type: "string" };
const arr = { type: "array", items: str };
const obj = { type: "object", properties: { a: str } };

describe("parameter styles", () => {
  it("records query and path styles only where they differ from OpenAPI's defaults", () => {
    const { tools, warnings } = importOpenApi(
      doc({
        "/items/{id}/{color}/{plain}": {
          get: {
            operationId: "items",
            parameters: [
              { name: "id", in: "path", required: true, style: "label", schema: arr },
              { name: "color", in: "path", required: true, style: "matrix", explode: true, schema: arr },
              { name: "plain", in: "path", required: true, style: "simple", explode: false, schema: str },
              { name: "filter", in: "query", style: "deepObject", explode: true, schema: obj },
              { name: "tags", in: "query", style: "spaceDelimited", explode: false, schema: arr },
              { name: "ids", in: "query", style: "pipeDelimited", schema: arr },
              { name: "csv", in: "query", explode: false, schema: arr },
              { name: "q", in: "query", allowReserved: true, schema: str },
              { name: "limit", in: "query", style: "form", explode: true, schema: { type: "integer" } },
              { name: "odd", in: "query", style: "matrix", schema: str },
            ],
          },
        },
      }),
    );
    expect(tools[0]?.draft.parameterStyles).toEqual({
      id: { style: "label", explode: false, allowReserved: false },
      color: { style: "matrix", explode: true, allowReserved: false },
      filter: { style: "deepObject", explode: true, allowReserved: false },
      tags: { style: "spaceDelimited", explode: false, allowReserved: false },
      ids: { style: "pipeDelimited", explode: false, allowReserved: false },
      csv: { style: "form", explode: false, allowReserved: false },
      q: { style: "form", explode: true, allowReserved: true },
    });
    expect(warnings).toEqual(["GET /items/{id}/{color}/{plain}: query parameter odd: style matrix is not one a query parameter can take; form is used"]);
  });
});

describe("form-encoded request bodies", () => {
  const form = (schema: unknown, encoding?: unknown) => ({ content: { "application/x-www-form-urlencoded": { schema, ...(encoding ? { encoding } : {}) } } });

  it("imports the form's fields as arguments with the encoding object's styles, deepObject for objects it does not mention", () => {
    const schema = { type: "object", required: ["To"], properties: { To: str, Events: arr, metadata: { type: "object", additionalProperties: str }, tags: arr, address: obj } };
    const { tools, warnings } = importOpenApi(doc({ "/calls": { post: { operationId: "createCall", requestBody: form(schema, { tags: { style: "pipeDelimited", explode: false }, Events: { explode: true } }) } } }));
    const [tool] = tools;
    expect(tool?.draft.bodyEncoding).toBe("form");
    expect(tool?.parameterLocations).toEqual({ To: "body", Events: "body", metadata: "body", tags: "body", address: "body" });
    expect(tool?.draft.bodySchema?.required).toEqual(["To"]);
    expect(tool?.draft.parameterStyles).toEqual({
      tags: { style: "pipeDelimited", explode: false, allowReserved: false },
      metadata: { style: "deepObject", explode: true, allowReserved: false },
      address: { style: "deepObject", explode: true, allowReserved: false },
    });
    expect(warnings).toEqual([]);
  });

  it("prefers JSON when an operation offers both", () => {
    const { tools } = importOpenApi(doc({ "/x": { post: { operationId: "x", requestBody: { content: { "application/x-www-form-urlencoded": { schema: obj }, "application/json": { schema: obj } } } } } }));
    expect(tools[0]?.draft.bodyEncoding).toBe("json");
    expect(tools[0]?.draft.parameterStyles).toEqual({});
  });

  it("sends a multipart body without files as a form, and skips a required one with a file", () => {
    const { tools, warnings } = importOpenApi(
      doc({
        "/notes": { post: { operationId: "addNote", requestBody: { content: { "multipart/form-data": { schema: { type: "object", properties: { text: str } } } } } } },
        "/photos": { post: { operationId: "addPhoto", requestBody: { required: true, content: { "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } } } } } } } },
      }),
    );
    expect(tools.map((t) => [t.draft.code, t.draft.bodyEncoding])).toEqual([["add_note", "form"]]);
    expect(warnings).toEqual([
      "POST /notes: its multipart/form-data body has no file, so it is sent as application/x-www-form-urlencoded",
      "POST /photos: skipped: its required request body (multipart/form-data) is neither JSON nor a form without files",
    ]);
  });

  it("leaves out optional form fields named like a parameter, and nests the form when a required one is", () => {
    const params = [{ name: "Sid", in: "path", required: true, schema: str }];
    const { tools, warnings } = importOpenApi(
      doc({
        "/a/{Sid}": { post: { operationId: "updateA", parameters: params, requestBody: form({ type: "object", properties: { Sid: str, Name: str } }) } },
        "/b/{Sid}": { post: { operationId: "updateB", parameters: params, requestBody: form({ type: "object", required: ["Sid"], properties: { Sid: str, Name: str } }) } },
      }),
    );
    expect(tools[0]?.parameterLocations).toEqual({ Sid: "path", Name: "body" });
    expect(tools[1]?.parameterLocations).toEqual({ Sid: "path", body: "body" });
    expect(tools[1]?.bodyProperty).toBe("body");
    expect(warnings).toEqual(["POST /a/{Sid}: optional form fields Sid have the names of parameters; left out", "POST /b/{Sid}: body properties Sid clash with parameters; the body is nested under its own property"]);
  });
});

describe("security schemes as credentials", () => {
  it("maps basic, bearer, OAuth 2, OpenID Connect and API keys; warns about cookies and other HTTP schemes; none for public operations", () => {
    const securitySchemes = {
      basic: { type: "http", scheme: "Basic", description: "Account SID and auth token" },
      token: { type: "http", scheme: "bearer" },
      oauth: { type: "oauth2", flows: {} },
      oidc: { type: "openIdConnect", openIdConnectUrl: "https://id.example.com/.well-known/openid-configuration" },
      header: { type: "apiKey", in: "header", name: "X-Api-Key" },
      query: { type: "apiKey", in: "query", name: "api_key" },
      cookie: { type: "apiKey", in: "cookie", name: "session" },
      digest: { type: "http", scheme: "digest" },
    };
    const { tools, warnings } = importOpenApi(
      doc(
        {
          "/private": { get: { operationId: "priv", security: [{ basic: [] }, { token: [], oauth: ["read"] }, { oidc: [] }, { header: [], query: [] }, { cookie: [] }, { digest: [] }] } },
          "/public": { get: { operationId: "pub", security: [] } },
        },
        { components: { securitySchemes }, security: [{ header: [] }] },
      ),
    );
    expect(tools[0]?.credentials).toEqual([
      { scheme: "basic", kind: "basic", name: "Authorization", description: "Account SID and auth token" },
      { scheme: "token", kind: "bearer", name: "Authorization" },
      { scheme: "oauth", kind: "bearer", name: "Authorization" },
      { scheme: "oidc", kind: "bearer", name: "Authorization" },
      { scheme: "header", kind: "header", name: "X-Api-Key" },
      { scheme: "query", kind: "query", name: "api_key" },
    ]);
    expect(tools[0]?.securityHints).toEqual(["Authorization", "X-Api-Key"]);
    expect(tools[1]?.credentials).toEqual([]);
    expect(warnings).toEqual([
      "GET /private: security scheme cookie sends its key in a cookie, which tools cannot do",
      "GET /private: security scheme digest (HTTP digest) is not supported; give its Authorization value as a secret header",
    ]);
  });
});
