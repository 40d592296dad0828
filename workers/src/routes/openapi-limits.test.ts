// The body limits the document states (lib/openapi-document.ts bodyLimitBytes) are the ones the
// middleware applies: for every operation with a body whose 413 the document added, a body of
// exactly the limit gets past the limit and one byte more is refused with 413.
import { describe, expect, it } from "vitest";
import { call } from "../../test/helpers.ts";
import { bodyLimitBytes, httpMethods } from "../lib/openapi-document.ts";
import { serviceToken } from "../runtime/testing.ts";

type Op = { requestBody?: unknown; responses: Record<string, { description?: string }> };

describe("the 413s of the document", () => {
  it("are answered just past the stated limit, and not at it", async () => {
    const doc = (await call("GET", "/openapi.json")).body as unknown as { paths: Record<string, Record<string, Op>> };
    const runtimeToken = await serviceToken();
    const checked: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of httpMethods) {
        const op = item[method];
        const limit = bodyLimitBytes(method, path);
        if (!op?.requestBody || limit === undefined || !op.responses["413"]?.description?.startsWith("The body is larger than")) continue;
        const url = path.replace(/\{[^}]+\}/g, "x");
        const send = (bytes: number) =>
          call(method.toUpperCase(), url, { body: `"${"a".repeat(bytes - 2)}"`, headers: { "content-type": "application/json" }, token: path.startsWith("/runtime/") ? runtimeToken : undefined });
        const over = await send(limit + 1);
        expect(`${method} ${path} → ${over.status} ${String(over.body["code"])}`).toBe(`${method} ${path} → 413 payload_too_large`);
        const at = await send(limit);
        expect(at.status, `${method} ${path} at its limit`).not.toBe(413);
        checked.push(`${method} ${path}`);
      }
    }
    // The 256 KiB default, the runtime's larger report and Lago's webhooks are all among them.
    expect(checked).toEqual(expect.arrayContaining(["post /v1/spaces", "put /runtime/v1/capabilities", "post /billing/lago/webhooks", "post /public/agents/{agentId}/sessions"]));
  });
});
