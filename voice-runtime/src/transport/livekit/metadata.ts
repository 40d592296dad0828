// What the Worker's LiveKit driver puts in an agent dispatch's metadata: `{ sessionId, agentId }`
// (workers/src/sessions/livekit/driver.ts). Anything else is not ours to serve.
import { idSchema } from "@speaknode/contracts";
import { z } from "zod";

const DispatchMetadata = z.object({ sessionId: idSchema("session"), agentId: idSchema("agent").optional() });

/** The session a dispatch is for, or null when its metadata is not a Speaknode dispatch. */
export function sessionOfDispatch(metadata: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(metadata);
  } catch {
    return null;
  }
  const parsed = DispatchMetadata.safeParse(json);
  return parsed.success ? parsed.data.sessionId : null;
}
