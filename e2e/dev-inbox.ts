// The development webhook inbox of a local stack (/dev/webhook-inbox.json): what one box received,
// newest first, parsed with the contract the Worker answers with.
import { z } from "zod";
import { DevInboxMessage } from "@speaknode/contracts";

const InboxList = z.object({ data: z.array(DevInboxMessage) });

export async function inbox(stackUrl: string, box: string): Promise<DevInboxMessage[]> {
  const res = await fetch(`${stackUrl}/dev/webhook-inbox.json?box=${encodeURIComponent(box)}`);
  if (!res.ok) throw new Error(`GET /dev/webhook-inbox.json: ${res.status} ${await res.text()}`);
  return InboxList.parse(await res.json()).data;
}
