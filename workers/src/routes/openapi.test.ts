import { describe, expect, it } from "vitest";
import { call } from "../../test/helpers.ts";

describe("GET /openapi.json", () => {
  it("documents every operation in OpenAPI 3.1 with the shared problem schema", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body["openapi"]).toBe("3.1.0");
    const paths = res.body["paths"] as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        "/healthz",
        "/v1/me",
        "/v1/spaces",
        "/v1/spaces/{spaceId}",
        "/v1/spaces/{spaceId}/members/{userId}",
        "/v1/spaces/{spaceId}/invitations",
        "/v1/invitations/accept",
        "/v1/invitations/{invitationId}/resend",
        "/v1/spaces/{spaceId}/api-keys",
        "/v1/api-keys/{apiKeyId}",
        "/v1/admin/users",
      ]),
    );
    const schemas = (res.body["components"] as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(["Problem", "Space", "Member", "Invitation", "ApiKey", "CreateSpaceBody"]));
    expect(JSON.stringify(paths["/v1/spaces"])).toContain("application/problem+json");
  });
});
