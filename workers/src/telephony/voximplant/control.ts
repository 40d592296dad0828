// Controlling a live VoxImplant call: a POST of a JSON command to the scenario session's access
// URL (media_session_access_secure_url, stored as sessions.provider_control_url), which VoxEngine
// delivers to the scenario as AppEvents.HttpRequest; the scenario answers {"ok":true} or
// {"ok":false,"error"}. The URL is a capability: never logged.
import { z } from "zod";
import { text } from "@speaknode/contracts";
import { checkOutboundUrl } from "@speaknode/ssrf";
import type { Config } from "../../config.ts";
import { ApiError } from "../../errors.ts";

export type VoximplantCommand = { command: "hangup" } | { command: "transfer"; to: string; from: string };

const Answer = z.object({ ok: z.boolean(), error: text().max(200).optional() });

/**
 * The control URL a scenario reported, if the platform may call it: it passes the SSRF policy
 * (public https; loopback and http only on a development platform, where the simulator serves
 * it). Checked when it is stored and again when it is used; null when refused.
 */
export function usableControlUrl(config: Config, raw: string | null | undefined): URL | null {
  if (!raw) return null;
  const dev = config.devTools.enabled;
  const check = checkOutboundUrl(raw, { allowLoopback: dev, allowHttp: dev });
  return check.ok ? check.url : null;
}

export async function controlVoximplantCall(config: Config, controlUrl: string, command: VoximplantCommand, fetchImpl: typeof fetch = fetch): Promise<void> {
  const url = usableControlUrl(config, controlUrl);
  if (!url) throw new ApiError("conflict", "the VoxImplant call has no usable control URL");
  let res: Response;
  try {
    // No redirects: a capability URL that redirects elsewhere is not followed past the policy.
    res = await fetchImpl(url, { method: "POST", redirect: "manual", headers: { "content-type": "application/json" }, body: JSON.stringify(command), signal: AbortSignal.timeout(config.telephony.timeoutMs) });
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
