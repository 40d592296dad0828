// A LiveKit SIP connection behind ConnectionOps: a SIP provider's trunk (Twilio Elastic SIP,
// Telnyx, …) reaching this deployment's LiveKit directly. Nothing is asked of the SIP provider:
// the trunk's numbers are typed in (settings.numbers) and imported from there; the platform
// provisions LiveKit's inbound and outbound trunks and a dispatch rule per number (provision.ts)
// after every change. Digest passwords are sealed like any provider secret, never shown.
import type { Context } from "hono";
import { checkOutboundUrl } from "@speaknode/ssrf";
import type { FieldError, LiveKitSipInbound, LiveKitSipOutbound } from "@speaknode/contracts";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../errors.ts";
import { numbersOfConnection } from "../numbers.ts";
import type { ConnectionOps } from "../provider-ops.ts";
import { refuseForeignFields } from "../connection-fields.ts";
import { sipHealthChecks } from "./health.ts";
import { noLiveKitDetail, syncConnectionSip } from "./provision.ts";
import { liveKitSipAccountId, liveKitSipSettings, openLiveKitSipSecret, sealLiveKitSipSecret, settingsOf, type LiveKitSipSecret } from "./settings.ts";
import { sipSyncOf } from "./state.ts";

/** The field errors of trunk settings: an outbound host the platform must not send calls to
 *  (private, loopback, metadata…), half a credential, an allowed range that admits everyone. */
function settingsErrors(c: Context<AppEnv>, outbound: LiveKitSipOutbound | undefined, inbound: LiveKitSipInbound | undefined): FieldError[] {
  const errors: FieldError[] = [];
  if (outbound) {
    const check = checkOutboundUrl(`https://${outbound.address}`, { allowLoopback: c.get("config").devTools.enabled });
    if (!check.ok) errors.push({ field: "body.outbound.address", message: `the SIP host ${check.reason}` });
    if (outbound.authPassword !== undefined && outbound.authUsername === undefined) errors.push({ field: "body.outbound.authUsername", message: "a password needs its username" });
  }
  if (inbound) {
    if (inbound.authPassword !== undefined && inbound.authUsername === undefined) errors.push({ field: "body.inbound.authUsername", message: "a password needs its username" });
    for (const [i, a] of inbound.allowedAddresses.entries()) {
      if (/\/0$/.test(a)) errors.push({ field: `body.inbound.allowedAddresses.${i}`, message: "would accept calls from any address; name the provider's ranges" });
    }
  }
  return errors;
}

function fail(errors: FieldError[]): void {
  if (errors.length > 0) throw new ApiError("validation_failed", "the trunk settings cannot be used", { errors });
}

export const liveKitSipOps: ConnectionOps<"livekit_sip"> = {
  provider: "livekit_sip",

  async create(c, id, body) {
    const errors = settingsErrors(c, body.outbound, body.inbound);
    if (body.inbound.authUsername !== undefined && body.inbound.authPassword === undefined) errors.push({ field: "body.inbound.authPassword", message: "a username needs its password" });
    if (body.outbound.authUsername !== undefined && body.outbound.authPassword === undefined) errors.push({ field: "body.outbound.authPassword", message: "a username needs its password" });
    fail(errors);
    const secret: LiveKitSipSecret = { outboundAuthPassword: body.outbound.authPassword ?? null, inboundAuthPassword: body.inbound.authPassword ?? null };
    return { accountId: liveKitSipAccountId, ...(await sealLiveKitSipSecret(c.get("config").secretsKey, id, secret)), settings: settingsOf(body.outbound, body.inbound, body.numbers) };
  },

  async update(c, row, patch) {
    refuseForeignFields(patch, ["outbound", "inbound", "numbers"], "LiveKit SIP");
    if (!patch.outbound && !patch.inbound && !patch.numbers) return {};
    fail(settingsErrors(c, patch.outbound, patch.inbound));
    const config = c.get("config");
    const settings = liveKitSipSettings(row);
    const stored = await openLiveKitSipSecret(config.secretsKey, row);
    // Omitted credentials keep the stored ones; a new username without its password is refused.
    const keep = (given: { authUsername?: string | undefined; authPassword?: string | undefined } | undefined, username: string | null, password: string | null, where: string) => {
      if (!given) return { authUsername: username ?? undefined, authPassword: password ?? undefined };
      if (given.authPassword !== undefined) return { authUsername: given.authUsername, authPassword: given.authPassword };
      if (given.authUsername !== undefined && given.authUsername !== username) throw new ApiError("validation_failed", "the trunk settings cannot be used", { errors: [{ field: `body.${where}.authPassword`, message: "a new username needs its password" }] });
      return { authUsername: username ?? undefined, authPassword: password ?? undefined };
    };
    const out = keep(patch.outbound, settings.outbound.authUsername, stored.outboundAuthPassword, "outbound");
    const inn = keep(patch.inbound, settings.inbound.authUsername, stored.inboundAuthPassword, "inbound");
    const outbound: LiveKitSipOutbound = { ...(patch.outbound ?? { address: settings.outbound.address, transport: settings.outbound.transport }), ...out };
    const inbound: LiveKitSipInbound = { ...(patch.inbound ?? { allowedAddresses: settings.inbound.allowedAddresses }), ...inn };
    const numbers = patch.numbers ?? settings.numbers;
    if (patch.numbers) {
      // An imported number stays on the trunk until it is released.
      const imported = await numbersOfConnection(c.get("db"), row.id);
      const dropped = imported.filter((n) => !numbers.includes(n.e164));
      if (dropped.length > 0) throw new ApiError("conflict", `these numbers are imported and must be released before they leave the trunk: ${dropped.map((n) => n.e164).join(", ")}`);
    }
    const sealed = await sealLiveKitSipSecret(config.secretsKey, row.id, { outboundAuthPassword: outbound.authPassword ?? null, inboundAuthPassword: inbound.authPassword ?? null });
    return { ...sealed, settings: settingsOf(outbound, inbound, numbers) };
  },

  async view(c, row) {
    const settings = liveKitSipSettings(row);
    // Without LiveKit nothing is provisioned, whatever an earlier deployment recorded.
    const sync = c.get("config").runtime.livekit ? sipSyncOf(row.providerState) : { ...sipSyncOf(row.providerState), status: "off" as const, detail: noLiveKitDetail };
    return { authType: "sip", voximplant: null, livekitSip: { ...settings, sync } };
  },

  health: (c, row) => sipHealthChecks(c, row),

  async listNumbers(_c, row) {
    const numbers = liveKitSipSettings(row).numbers.map((e164) => ({ providerNumberId: e164, e164, friendlyName: null, voiceUrl: null }));
    return { numbers, nextPageToken: null };
  },

  async claimNumbers(_c, row, ids) {
    const trunk = liveKitSipSettings(row).numbers;
    const errors = ids.flatMap((id, i) => (trunk.includes(id) ? [] : [{ field: `body.providerNumberIds.${i}`, message: `${id} is not one of the trunk's numbers (add it to the connection's numbers first)` }]));
    fail(errors);
    return ids.map((e164) => ({ providerNumberId: e164, e164, friendlyName: null, previousConfig: {} }));
  },

  // Nothing to give back at a provider; afterChange removes the number's dispatch rule.
  async releaseNumber() {},

  async afterChange(c, row) {
    await syncConnectionSip({ db: c.get("db"), config: c.get("config") }, row.id);
  },
};
