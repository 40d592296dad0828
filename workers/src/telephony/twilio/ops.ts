// A Twilio connection behind ConnectionOps: the Account SID with its Auth Token or an API key,
// checked with Twilio before anything is stored; numbers imported by pointing their VoiceUrl and
// StatusCallback at this platform (their previous settings kept, put back on release). When the
// deployment routes Twilio calls into LiveKit over SIP, the connection also gets an inbound trunk
// and dispatch rules (livekit-sip/provision.ts).
import type { Context } from "hono";
import type { FieldError, TwilioAuth } from "@speaknode/contracts";
import { isE164 } from "@speaknode/phone";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../errors.ts";
import { log } from "../../lib/log.ts";
import type { Config } from "../../config.ts";
import { sealTwilioAuth, twilioClient, twilioClientFor, twilioCredentials, twilioWebhookUrls } from "../connections.ts";
import { platformFields, previousConfigOf, restoreFields } from "../numbers.ts";
import type { ClaimedNumber, ConnectionOps } from "../provider-ops.ts";
import { credentialsCheckError, isTwilioNotFound, storedCredentialsError } from "../provider-errors.ts";
import { refuseForeignFields } from "../connection-fields.ts";
import { sipHealthChecks } from "../livekit-sip/health.ts";
import { syncConnectionSip, usesLiveKitSip } from "../livekit-sip/provision.ts";
import { TwilioApiError, type TwilioClient, type TwilioIncomingNumber } from "./client.ts";

const field = (i: number) => `body.providerNumberIds.${i}`;

/**
 * Asks Twilio whether these credentials open this account, before they are stored. An API key is
 * checked, and so is the Auth Token that comes with it: Twilio signs its webhooks with the token,
 * so a wrong one would refuse every call later, silently. Throws the API's answer when not.
 */
export async function checkTwilioCredentials(config: Config, accountSid: string, auth: TwilioAuth): Promise<void> {
  const checks: { auth: TwilioAuth; fields: string[] }[] =
    auth.type === "api_key"
      ? [
          { auth, fields: ["body.auth.apiKeySid", "body.auth.apiKeySecret"] },
          { auth: { type: "auth_token", authToken: auth.authToken }, fields: ["body.auth.authToken"] },
        ]
      : [{ auth, fields: ["body.auth.authToken"] }];
  for (const check of checks) {
    let status: string;
    try {
      status = (await twilioClient(config, { accountSid, auth: check.auth }).fetchAccount()).status;
    } catch (err) {
      throw credentialsCheckError(err, check.fields);
    }
    if (status !== "active") {
      throw new ApiError("validation_failed", "the Twilio account cannot be used", { errors: [{ field: "body.accountSid", message: `the Twilio account is ${status}, not active` }] });
    }
  }
}

/** Reads every chosen number from Twilio; a number Twilio does not know is a 400 naming it. */
async function readNumbers(client: TwilioClient, ids: string[]): Promise<TwilioIncomingNumber[]> {
  const numbers: TwilioIncomingNumber[] = [];
  const errors: FieldError[] = [];
  for (const [i, sid] of ids.entries()) {
    let n: TwilioIncomingNumber;
    try {
      n = await client.getIncomingNumber(sid);
    } catch (err) {
      if (!isTwilioNotFound(err)) throw storedCredentialsError(err);
      errors.push({ field: field(i), message: `the Twilio account has no number ${sid}` });
      continue;
    }
    if (!isE164(n.phone_number)) errors.push({ field: field(i), message: `Twilio's number ${sid} is not a phone number in E.164 form` });
    else if (n.capabilities?.voice === false) errors.push({ field: field(i), message: `Twilio's number ${sid} cannot take voice calls` });
    numbers.push(n);
  }
  if (errors.length > 0) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors });
  return numbers;
}

/** Puts the numbers already changed back as they were; a failure here is logged, never thrown over the real error. */
async function restore(client: TwilioClient, connectionId: string, changed: TwilioIncomingNumber[]): Promise<void> {
  for (const n of changed) {
    try {
      await client.updateIncomingNumber(n.sid, restoreFields(previousConfigOf(n)));
    } catch (err) {
      log.error("telephony import rollback failed", { connectionId, providerNumberId: n.sid, errorName: err instanceof Error ? err.name : typeof err });
    }
  }
}

export const twilioOps: ConnectionOps<"twilio"> = {
  provider: "twilio",

  async create(c, id, body) {
    const config = c.get("config");
    await checkTwilioCredentials(config, body.accountSid, body.auth);
    return { accountId: body.accountSid, ...(await sealTwilioAuth(config.secretsKey, id, body.accountSid, body.auth)), settings: {} };
  },

  async update(c, row, patch) {
    refuseForeignFields(patch, ["auth"], "Twilio");
    if (!patch.auth) return {};
    const config = c.get("config");
    await checkTwilioCredentials(config, row.accountId, patch.auth);
    return sealTwilioAuth(config.secretsKey, row.id, row.accountId, patch.auth);
  },

  async view(c, row) {
    // The auth type is inside the sealed secret (the table has no column for it).
    const credentials = await twilioCredentials(c.get("config").secretsKey, row);
    return { authType: credentials.auth.type, voximplant: null, livekitSip: null };
  },

  async health(c, row) {
    const config = c.get("config");
    let credentials: { name: string; ok: boolean; detail: string };
    try {
      const account = await (await twilioClientFor(config, row)).fetchAccount();
      credentials = account.status === "active" ? { name: "Twilio account", ok: true, detail: "the stored credentials open the account, which is active" } : { name: "Twilio account", ok: false, detail: `the Twilio account is ${account.status}, not active` };
    } catch (err) {
      const detail = err instanceof TwilioApiError ? (err.retryable ? `Twilio could not be reached: ${err.message}` : `Twilio refused the stored credentials: ${err.message}`) : "the stored credentials could not be used";
      credentials = { name: "Twilio account", ok: false, detail };
    }
    return usesLiveKitSip(config, row) ? [credentials, ...(await sipHealthChecks(c, row))] : [credentials];
  },

  async listNumbers(c, row, pageToken) {
    // The route validated pageSize (1…1000, default 50).
    const pageSize = Number(c.req.query("pageSize") ?? 50);
    const client = await twilioClientFor(c.get("config"), row);
    let page: { numbers: TwilioIncomingNumber[]; nextPageToken: string | null };
    try {
      page = await client.listIncomingNumbers({ pageSize, pageToken });
    } catch (err) {
      throw storedCredentialsError(err);
    }
    return {
      numbers: page.numbers.map((n) => ({ providerNumberId: n.sid, e164: n.phone_number, friendlyName: n.friendly_name ?? null, voiceUrl: n.voice_url || null })),
      nextPageToken: page.nextPageToken,
    };
  },

  async claimNumbers(c, row, ids) {
    const client = await twilioClientFor(c.get("config"), row);
    const numbers = await readNumbers(client, ids);
    const fields = platformFields(twilioWebhookUrls(c, row.id));
    const changed: TwilioIncomingNumber[] = [];
    for (const [i, n] of numbers.entries()) {
      try {
        await client.updateIncomingNumber(n.sid, fields);
        changed.push(n);
      } catch (err) {
        await restore(client, row.id, changed);
        if (isTwilioNotFound(err)) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors: [{ field: field(i), message: `the Twilio account has no number ${n.sid}` }] });
        throw storedCredentialsError(err);
      }
    }
    return numbers.map(
      (n): ClaimedNumber => ({ providerNumberId: n.sid, e164: n.phone_number, friendlyName: n.friendly_name ?? null, previousConfig: previousConfigOf(n) }),
    );
  },

  async releaseNumber(c, row, number) {
    const client = await twilioClientFor(c.get("config"), row);
    try {
      await client.updateIncomingNumber(number.providerNumberId, restoreFields(number.previousConfig));
    } catch (err) {
      if (!isTwilioNotFound(err)) throw storedCredentialsError(err);
    }
  },

  async afterChange(c, row) {
    const config = c.get("config");
    if (!usesLiveKitSip(config, row)) return;
    await syncConnectionSip({ db: c.get("db"), config }, row.id);
  },
};
