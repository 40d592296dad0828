// Controlling a live VoxImplant call: a POST of a JSON command to the scenario session's access
// URL (media_session_access_secure_url, stored as sessions.provider_control_url), which VoxEngine
// delivers to the scenario as AppEvents.HttpRequest; the scenario answers {"ok":true} or
// {"ok":false,"error"}. The URL is a capability: never logged.
import { z } from "zod";
import { text } from "@speaknode/contracts";
import type { Config } from "../../config.ts";
import { ApiError } from "../../errors.ts";

export type VoximplantCommand = { command: "hangup" } | { command: "transfer"; to: string; from: string };

const Answer = z.object({ ok: z.boolean(), error: text().max(200).optional() });

export async function controlVoximplantCall(config: Config, controlUrl: string, command: VoximplantCommand, fetchImpl: typeof fetch = fetch): Promise<void> {
  let url: URL;
  try {
    url = new URL(controlUrl);
  } catch {
    throw new ApiError("conflict", "the VoxImplant call has no usable control URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new ApiError("conflict", "the VoxImplant call has no usable control URL");
  let res: Response;
  try {
    res = await fetchImpl(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(command), signal: AbortSignal.timeout(config.telephony.timeoutMs) });
  } catch {
    throw new ApiError("upstream_unavailable", "VoxImplant could not be reached to control the call; try again", { headers: { "retry-after": "2" } });
  }
  // A session that ended answers 404 (or nothing at all): the call is over.
  if (res.status === 404 || res.status === 410) throw new ApiError("conflict", "the call is no longer in progress");
  if (!res.ok) throw new ApiError("upstream_unavailable", `VoxImplant answered ${res.status} to the call's control request; try again`, { headers: { "retry-after": "2" } });
  const answer = Answer.safeParse(await res.json().catch(() => null));
  if (!answer.success) throw new ApiError("upstream_unavailable", "the call's scenario gave an answer that could not be read");
  if (!answer.data.ok) throw new ApiError("conflict", `the call's scenario refused the ${command.command}: ${answer.data.error ?? "no reason given"}`);
}
