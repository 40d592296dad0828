import { describe, expect, it } from "vitest";
import { SessionStatus } from "@speaknode/contracts";
import type { SessionStatus as Status } from "@speaknode/contracts";
import { isTerminal, transition } from "./state-machine.ts";

const allowed = new Set(["pending>dispatching", "pending>failed", "dispatching>active", "dispatching>failed", "active>completed", "active>failed"]);

const pairs: [Status, Status, boolean][] = SessionStatus.options.flatMap((from) =>
  SessionStatus.options.map((to): [Status, Status, boolean] => [from, to, allowed.has(`${from}>${to}`)]),
);

describe("session state machine", () => {
  it("covers every one of the 25 (from, to) pairs", () => {
    expect(pairs).toHaveLength(25);
  });

  it.each(pairs)("moving from %s to %s is allowed: %s", (from, to, ok) => {
    const result = transition(from, to, "a reason");
    if (ok) {
      expect(result).toEqual({ ok: true });
    } else {
      expect(result).toMatchObject({ ok: false, error: { code: "invalid_transition", from, to } });
    }
  });

  it("refuses to fail a session without a reason", () => {
    for (const from of ["pending", "dispatching", "active"] as const) {
      expect(transition(from, "failed")).toMatchObject({ ok: false, error: { code: "invalid_transition", message: "failing a session needs a reason" } });
      expect(transition(from, "failed", "  ")).toMatchObject({ ok: false });
    }
  });

  it("says a terminal session has already ended", () => {
    expect(transition("completed", "failed", "late")).toMatchObject({ ok: false, error: { message: "the session is already completed" } });
    expect(SessionStatus.options.filter(isTerminal)).toEqual(["completed", "failed"]);
  });
});
