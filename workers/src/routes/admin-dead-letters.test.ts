import { describe, expect, it } from "vitest";
import { DeadLetter } from "@speaknode/contracts";
import { call, expectProblem, newUser, withDb } from "../../test/helpers.ts";
import { insertDeadLetters } from "../telemetry/store.ts";

describe("GET /v1/admin/telemetry/dead-letters", () => {
  it("lists dead letters newest first, page by page, to the platform Admin", async () => {
    const admin = await newUser({ roles: ["platform-admin"] });
    const tag = crypto.randomUUID();
    for (let i = 0; i < 3; i++) {
      await withDb((db) => insertDeadLetters(db, [{ queue: "speaknode-telemetry", messageId: `${tag}-${i}`, body: { n: i }, error: i === 0 ? null : "boom", attempts: 4 }]));
      await new Promise((r) => setTimeout(r, 2));
    }
    // Other tests may dead-letter concurrently: follow the cursor and look at ours in order.
    const seen: DeadLetter[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50 && seen.filter((d) => d.messageId.startsWith(tag)).length < 3; pages++) {
      const res = await call("GET", `/v1/admin/telemetry/dead-letters?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: admin.token });
      expect(res.status).toBe(200);
      const page = (res.body.data ?? []).map((d) => DeadLetter.parse(d));
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      cursor = res.body["nextCursor"] as string | null;
      if (!cursor) break;
      expect(cursor).toMatch(/^dlq_/);
    }
    const ours = seen.filter((d) => d.messageId.startsWith(tag));
    expect(ours.map((d) => d.messageId)).toEqual([`${tag}-2`, `${tag}-1`, `${tag}-0`]);
    expect(ours[0]).toMatchObject({ queue: "speaknode-telemetry", body: { n: 2 }, error: "boom", attempts: 4 });
    expect(ours[2]).toMatchObject({ error: null });
  });

  it("refuses anyone else and bad queries", async () => {
    const user = await newUser();
    expectProblem(await call("GET", "/v1/admin/telemetry/dead-letters", { token: user.token }), 403, "forbidden");
    const admin = await newUser({ roles: ["platform-admin"] });
    expectProblem(await call("GET", "/v1/admin/telemetry/dead-letters?limit=0", { token: admin.token }), 400, "validation_failed");
    expectProblem(await call("GET", "/v1/admin/telemetry/dead-letters?cursor=usr_01jqz8k3m4n5p6q7r8s9t0v1w2", { token: admin.token }), 400, "validation_failed");
  });
});
