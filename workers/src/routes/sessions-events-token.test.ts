import { describe, expect, it } from "vitest";
import { call, expectProblem, makeWorld } from "../../test/helpers.ts";
import { dispatched, subscribe } from "../runtime/testing.ts";

describe("sessions: a live subscription for a session someone else started", () => {
  it("gives a member of the space a working events URL that expires", async () => {
    const { world: w, sessionId } = await dispatched();
    const res = await call("POST", `/v1/sessions/${sessionId}/events-token`, { token: w.member.token });
    expect(res.status).toBe(200);
    const eventsUrl = String(res.body["eventsUrl"]);
    expect(eventsUrl).toMatch(new RegExp(`^ws://[^/]+/live/sessions/${sessionId}\\?token=`));
    expect(Date.parse(String(res.body["expiresAt"]))).toBeGreaterThan(Date.now());
    const live = await subscribe(eventsUrl);
    expect(await live.next()).toMatchObject({ type: "welcome", sessionId, status: "dispatching" });
  });

  it("knows no session of another space", async () => {
    const { sessionId } = await dispatched();
    const outsider = await makeWorld();
    expectProblem(await call("POST", `/v1/sessions/${sessionId}/events-token`, { token: outsider.owner.token }), 404, "not_found");
  });
});
