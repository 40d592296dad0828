import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rawTextSchemas } from "./storable-text.ts";

describe("storable text in schemas", () => {
  it("refuses raw zod strings, URLs, unknowns and ISO times in the contracts, the Worker and Durable Objects, however written", () => {
    const files = [
      { path: "packages/contracts/src/new-thing.ts", text: 'export const A = z.object({ name: z.string().max(10) });' },
      { path: "workers/src/routes/new-route.ts", text: "const Q = z\n  .string()\n  .min(1);" },
      { path: "workers/src/routes/other.ts", text: "const B = z.record(text(), z.unknown());\nconst C = z.url();\nconst D = z.iso.datetime();" },
      { path: "durable-objects/session-room/x.ts", text: "const E = z.string();" },
    ];
    const problems = rawTextSchemas(files);
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/^packages\/contracts\/src\/new-thing\.ts:1 uses z\.string\(\).*use text\(\)/);
    expect(problems[1]).toMatch(/^workers\/src\/routes\/new-route\.ts:1 /);
    expect(problems.join("\n")).toContain("use jsonValue()");
    expect(problems.join("\n")).toContain("use urlText()");
    expect(problems.join("\n")).toContain("use Timestamp or IsoDay");
  });

  it("refuses a number parameter without an upper bound, which an int4 column would refuse with a 500", () => {
    const problems = rawTextSchemas([{ path: "workers/src/routes/params-x.ts", text: "const P = z.object({ n: z.coerce.number().int().min(1) });\nconst Q = z.object({ n: z.coerce.number().int().min(1).max(int4Max) });" }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^workers\/src\/routes\/params-x\.ts:1 has a number parameter without \.max\(\)/);
  });

  it("allows the primitives, their definitions, formats made storable on the spot, tests and the env configuration", () => {
    expect(
      rawTextSchemas([
        { path: "packages/contracts/src/a.ts", text: "const A = text().max(10);\nconst B = jsonValue();\nconst D = z.iso.date().check(storableTime);" },
        { path: "packages/contracts/src/text.ts", text: "return z.string(params).check(storableText);\nreturn z.unknown().check(" },
        { path: "workers/src/routes/a.test.ts", text: "const X = z.string();" },
        { path: "workers/src/config.ts", text: "OIDC_ISSUER: z.url()," },
        { path: "voice-runtime/src/config.ts", text: "const X = z.string();" },
      ]),
    ).toEqual([]);
  });

  it("finds nothing raw in the repository as it is", () => {
    const paths = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "packages/contracts/src", "workers/src", "durable-objects"], { encoding: "utf8" })
      .split("\n")
      .filter((p) => p.endsWith(".ts"));
    const files = paths.flatMap((path) => {
      try {
        return [{ path, text: readFileSync(path, "utf8") }];
      } catch {
        return []; // deleted in the work tree
      }
    });
    expect(rawTextSchemas(files)).toEqual([]);
  });
});
