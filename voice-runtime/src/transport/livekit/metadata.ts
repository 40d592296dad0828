// What an agent dispatch's metadata says, in one of two forms: the Worker's LiveKit driver
// dispatches a session it created, `{ sessionId, agentId }` (workers/src/sessions/livekit/driver.ts);
// a platform dispatch rule dispatches a SIP call that reached LiveKit straight from a trunk,
// SipDispatchMetadata (packages/contracts/src/sip.ts), whose session the runtime finds once the
// caller is in the room. Anything else is not ours to serve.
import { idSchema, SipDispatchMetadata } from "@speaknode/contracts";
import { z } from "zod";

const SessionDispatchMetadata = z.object({ sessionId: idSchema("session"), agentId: idSchema("agent").optional() });

export type Dispatch = { kind: "session"; sessionId: string } | { kind: "sip"; rule: SipDispatchMetadata };

/** The dispatch's kind and what it names, or null when its metadata is not a Speaknode dispatch. */
export function dispatchOf(metadata: string): Dispatch | null {
  let json: unknown;
  try {
    json = JSON.parse(metadata);
  } catch {
    return null;
  }
  const session = SessionDispatchMetadata.safeParse(json);
  if (session.success) return { kind: "session", sessionId: session.data.sessionId };
  const sip = SipDispatchMetadata.safeParse(json);
  return sip.success ? { kind: "sip", rule: sip.data } : null;
}
