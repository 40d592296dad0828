import { afterEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { agentVersions, sessions } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import { errorFields, log } from "./log.ts";

/** Runs a query that must fail and returns the error exactly as the driver and drizzle throw it. */
async function failingQuery(run: Parameters<typeof withDb>[0]): Promise<unknown> {
  try {
    await withDb(run);
  } catch (err) {
    return err;
  }
  throw new Error("the query was expected to fail");
}

/** The line `log.error` writes, as the platform's log collector receives it. */
function loggedLine(fields: Record<string, unknown>): string {
  const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
  log.error("request failed", fields);
  const line = String(spy.mock.calls[0]?.[0]);
  spy.mockRestore();
  return line;
}

afterEach(() => vi.restoreAllMocks());

describe("errorFields", () => {
  it("logs a failed insert's SQLSTATE, statement and fingerprint, never the caller number or variables it carried", async () => {
    const caller = "+15550001234";
    const variable = "Ada Lovelace, account 998877";
    const err = await failingQuery((db) =>
      db.insert(sessions).values({ id: newId("session"), spaceId: newId("space"), channel: "api", caller, language: "en", mediaDriver: "local", variables: { name: variable } }),
    );
    const line = loggedLine(errorFields(err));
    expect(line).not.toContain(caller);
    expect(line).not.toContain("998877");
    const parsed = JSON.parse(line) as { db: Record<string, string> };
    expect(parsed.db).toMatchObject({ code: "23503", statement: "insert into sessions", table: "sessions", constraint: expect.stringContaining("space_id") });
    expect(parsed.db["queryFingerprint"]).toMatch(/^[0-9a-f]{8}$/);
  });

  it("does not log a value that Postgres quotes in its own message", async () => {
    // Postgres answers `value "2147483648" is out of range for type integer`.
    const err = await failingQuery((db) => db.select().from(agentVersions).where(eq(agentVersions.version, 2147483648)));
    const line = loggedLine(errorFields(err));
    expect(line).not.toContain("2147483648");
    expect(JSON.parse(line)).toMatchObject({ db: { code: "22003", statement: "select from agent_versions" } });
  });

  it("gives the same query the same fingerprint whatever its parameters", async () => {
    const attempt = (caller: string) =>
      failingQuery((db) => db.insert(sessions).values({ id: newId("session"), spaceId: newId("space"), channel: "api", caller, language: "en", mediaDriver: "local" }));
    const [a, b] = [errorFields(await attempt("+15550000001")), errorFields(await attempt("+15550000002"))];
    expect((a["db"] as Record<string, string>)["queryFingerprint"]).toBe((b["db"] as Record<string, string>)["queryFingerprint"]);
  });

  it("keeps any other error's message under pii only", () => {
    const fields = errorFields(new Error("could not reach ada@example.test"));
    const { pii, ...open } = fields;
    expect(JSON.stringify(open)).not.toContain("ada@example.test");
    expect(JSON.stringify(pii)).toContain("ada@example.test");
  });
});
