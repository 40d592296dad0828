// A call with no audio for the session runner's tests (text mode): the test hangs up when it wants
// and reads why the runner closed the call and which backgrounds it set.
import type { CallIo } from "../src/session/runner.ts";
import type { CallEnd } from "../src/transport/types.ts";

export function textCall(sessionId: string) {
  let hangUp!: (end: CallEnd) => void;
  const ended = new Promise<CallEnd>((resolve) => (hangUp = resolve));
  const closedWith: string[] = [];
  const backgrounds: ({ sound: string; volume: number } | null)[] = [];
  const io: CallIo = {
    sessionId,
    attach: () => ({}),
    ended,
    setBackground: (b) => void backgrounds.push(b),
    close: async (reason) => void closedWith.push(reason),
  };
  return { io, hangUp, closedWith, backgrounds };
}
