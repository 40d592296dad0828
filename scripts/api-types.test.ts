import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schemaTypes, schemaTypesPath, servedDocument } from "./openapi-document.ts";

describe("the typed API client", () => {
  it("is generated from the document the Worker serves now (run `npm run api:types` when this fails)", async () => {
    const committed = readFileSync(schemaTypesPath, "utf8");
    const fresh = await schemaTypes(await servedDocument());
    // Compared as text so the failure shows the first lines that moved.
    expect(committed === fresh ? "up to date" : firstDifference(committed, fresh)).toBe("up to date");
  });
});

function firstDifference(committed: string, fresh: string): string {
  const a = committed.split("\n");
  const b = fresh.split("\n");
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i === -1 ? a.length : i;
  return `schema.d.ts differs from line ${at + 1}:\n- ${a.slice(at, at + 3).join("\n- ")}\n+ ${b.slice(at, at + 3).join("\n+ ")}`;
}
