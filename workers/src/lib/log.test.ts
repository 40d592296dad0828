import { describe, expect, it } from "vitest";
import { errorFields } from "./log.ts";

describe("errorFields", () => {
  it("keeps a failed query's message (with its parameters) under pii only", () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: "23505" });
    const err = new Error("Failed query: insert into users ... params: ada@example.test", { cause });
    const fields = errorFields(err);
    expect(fields).toMatchObject({ errorName: "Error", dbCode: "23505" });
    const { pii, ...open } = fields;
    expect(JSON.stringify(open)).not.toContain("ada@example.test");
    expect(JSON.stringify(pii)).toContain("ada@example.test");
  });
});
