import { describe, expect, it } from "vitest";
import { CreateToolBody } from "@speaknode/contracts";
import { operationCodes } from "./openapi-codes.ts";
import { importOpenApi } from "./openapi-import.ts";
import { toToolCode } from "./openapi-parts.ts";

function doc(paths: Record<string, unknown>): Record<string, unknown> {
  return { openapi: "3.1.0", info: { title: "t", version: "1" }, servers: [{ url: "https://api.example.com" }], paths };
}

describe("tool codes", () => {
  it.each([
    ["getOrderByID", "get_order_by_id"],
    ["listHTTPEndpoints", "list_http_endpoints"],
    ["create-return", "create_return"],
    ["Orders.Cancel__Now!", "orders_cancel_now"],
    ["2faVerify", "op_2fa_verify"],
    ["créerCommande", "creer_commande"],
    ["___", undefined],
    ["a".repeat(80), "a".repeat(64)],
  ])("turns the operationId %s into %s", (operationId, code) => {
    expect(toToolCode(operationId)).toBe(code);
  });

  it("numbers repeated codes, falls back to method and path, and stays within 64 characters", () => {
    const long = `${"x".repeat(70)}`;
    const { tools, warnings } = importOpenApi(
      doc({
        "/pets/{petId}": { parameters: [{ name: "petId", in: "path", required: true, schema: { type: "integer" } }], get: { operationId: "getPet" }, put: {} },
        "/pets/{petId}/again": { parameters: [{ name: "petId", in: "path", schema: { type: "integer" } }], get: { operationId: "get-pet" }, post: { operationId: "get_pet" } },
        "/a": { get: { operationId: long } },
        "/b": { get: { operationId: long } },
        "/": { get: {} },
      }),
    );
    expect(tools.map((t) => t.draft.code)).toEqual(["get_pet", "put_pets_pet_id", "get_pet_2", "get_pet_3", "x".repeat(64), `${"x".repeat(62)}_2`, "get"]);
    expect(warnings).toContain("GET /pets/{petId}/again: code get_pet is taken by another operation; named get_pet_2");
    for (const tool of tools) expect(CreateToolBody.safeParse(tool.draft).success).toBe(true);
  });
});

describe("operation codes", () => {
  it("keeps a word that tells long ids apart instead of numbering them, leaving short codes as they are", () => {
    const codes = operationCodes([
      { operationId: "ListVeryLongAlphaResourceCollectionNamesForRegionEuropeanUnionWithExtraDetailsItems", method: "get", path: "/a" },
      { operationId: "ListVeryLongBetaResourceCollectionNamesForRegionEuropeanUnionWithExtraDetailsItems", method: "get", path: "/b" },
      { operationId: "ListRegionEuropeanUnionWithExtraDetailsItems", method: "get", path: "/c" },
      { operationId: "ListGammaResourceCollectionNamesForRegionEuropeanUnionWithExtraDetailsAndMoreItems", method: "get", path: "/d" },
      { operationId: "ListDeltaResourceCollectionNamesForRegionEuropeanUnionWithExtraDetailsAndMoreItems", method: "get", path: "/e" },
    ]);
    expect(codes).toEqual([
      { code: "list_alpha_for_region_european_union_with_extra_details_items" },
      { code: "list_beta_for_region_european_union_with_extra_details_items" },
      { code: "list_region_european_union_with_extra_details_items" },
      { code: "list_gamma_european_union_with_extra_details_and_more_items" },
      { code: "list_delta_european_union_with_extra_details_and_more_items" },
    ]);
  });

  it("numbers only operations whose ids really are the same", () => {
    expect(operationCodes([{ operationId: "getPet", method: "get", path: "/a" }, { operationId: "get_pet", method: "get", path: "/b" }])).toEqual([{ code: "get_pet" }, { code: "get_pet_2", taken: "get_pet" }]);
  });

  it("drops the path parameter that repeats its collection before any other word", () => {
    const [first] = operationCodes([{ operationId: "DeleteTestHelpersIssuingPersonalizationDesignsPersonalizationDesignArchive", method: "delete", path: "/v1/test_helpers/issuing/personalization_designs/{personalization_design}/archive" }]);
    expect(first?.code).toBe("delete_test_helpers_issuing_personalization_designs_archive");
  });
});
