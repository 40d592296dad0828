// A VoxImplant connection behind ConnectionOps: the service account key file, checked with
// GetAccountInfo (and the application and rule with GetApplications / GetRules) before anything is
// stored; numbers imported by binding them to the connection's application
// (BindPhoneNumberToApplication), the application they were bound to kept and put back on release.
// VoxImplant lists numbers without "+"; the platform stores them in E.164.
import type { Context } from "hono";
import type { FieldError, UpdateTelephonyConnectionBody, VoximplantServiceAccountKey } from "@speaknode/contracts";
import { isE164 } from "@speaknode/phone";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../errors.ts";
import { log } from "../../lib/log.ts";
import { publicOrigin } from "../../lib/public-url.ts";
import type { ClaimedNumber, ConnectionOps, ProviderNumber } from "../provider-ops.ts";
import { VoximplantApiError, type VoximplantClient, type VoxPhoneNumber } from "./client.ts";
import { newScenarioSecret, openVoximplantSecrets, sealVoximplantSecrets, voximplantClient, voximplantClientFor, voximplantSettings, type VoximplantSettings } from "./credentials.ts";
import { voximplantKeyCheckError, voximplantStoredKeyError } from "./errors.ts";

/** VoxImplant's "15555550200" (or "+1…") as E.164. */
export const voximplantE164 = (phoneNumber: string) => (phoneNumber.startsWith("+") ? phoneNumber : `+${phoneNumber}`);

const field = (i: number) => `body.providerNumberIds.${i}`;

/** Checks that the key opens its account and that the application and rule exist there. */
async function checkKey(c: Context<AppEnv>, key: VoximplantServiceAccountKey, applicationId: number, ruleId: number, fieldOf: { key: string; applicationId: string; ruleId: string }): Promise<void> {
  const client = voximplantClient(c.get("config"), key);
  try {
    const account = await client.getAccountInfo();
    const problems: FieldError[] = [];
    if (account.account_id !== Number(key.account_id)) problems.push({ field: `${fieldOf.key}.account_id`, message: "the key belongs to another account than its account_id says" });
    else if (account.active === false || account.frozen === true) problems.push({ field: fieldOf.key, message: "the VoxImplant account is not active" });
    else if (!(await client.getApplications(applicationId)).some((a) => a.application_id === applicationId)) problems.push({ field: fieldOf.applicationId, message: `the account has no application ${applicationId}` });
    else if (!(await client.getRules(applicationId, ruleId)).some((r) => r.rule_id === ruleId)) problems.push({ field: fieldOf.ruleId, message: `the application has no rule ${ruleId}` });
    if (problems.length > 0) throw new ApiError("validation_failed", "the VoxImplant connection cannot be used", { errors: problems });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // An application or rule id VoxImplant refuses outright is the id's fault, not the key's.
    throw voximplantKeyCheckError(err, [fieldOf.key]);
  }
}

const ownFields = ["name", "serviceAccountKey", "applicationId", "ruleId", "encoding"];

/** Fields of another provider's connection: refused before anything is asked. */
function refuseForeignFields(patch: UpdateTelephonyConnectionBody): void {
  const errors: FieldError[] = Object.entries(patch)
    .filter(([k, v]) => v !== undefined && !ownFields.includes(k))
    .map(([k]) => ({ field: `body.${k}`, message: "not a setting of a VoxImplant connection" }));
  if (errors.length > 0) throw new ApiError("validation_failed", "some fields do not apply to a VoxImplant connection", { errors });
}

const bodyFields = { key: "body.serviceAccountKey", applicationId: "body.applicationId", ruleId: "body.ruleId" };

async function readNumber(client: VoximplantClient, phoneId: number): Promise<VoxPhoneNumber | null> {
  return (await client.getPhoneNumbers({ count: 1, offset: 0, phoneId })).numbers.find((n) => n.phone_id === phoneId) ?? null;
}

/** Binds each number back where it was; logged, never thrown over the real error. */
async function putBack(client: VoximplantClient, connectionId: string, applicationId: number, changed: VoxPhoneNumber[]): Promise<void> {
  for (const n of changed) {
    try {
      if (n.application_id) await client.bindPhoneNumberToApplication(n.phone_id, n.application_id, true);
      else await client.bindPhoneNumberToApplication(n.phone_id, applicationId, false);
    } catch (err) {
      log.error("telephony import rollback failed", { connectionId, providerNumberId: String(n.phone_id), errorName: err instanceof Error ? err.name : typeof err });
    }
  }
}

export const voximplantOps: ConnectionOps<"voximplant"> = {
  provider: "voximplant",

  async create(c, id, body) {
    await checkKey(c, body.serviceAccountKey, body.applicationId, body.ruleId, bodyFields);
    const sealed = await sealVoximplantSecrets(c.get("config").secretsKey, id, { serviceAccountKey: body.serviceAccountKey, scenarioSecret: newScenarioSecret() });
    const settings: VoximplantSettings = { applicationId: body.applicationId, ruleId: body.ruleId, encoding: body.encoding, keyId: body.serviceAccountKey.key_id };
    return { ...sealed, settings };
  },

  async update(c, row, patch) {
    refuseForeignFields(patch);
    const config = c.get("config");
    const current = voximplantSettings(row);
    const secrets = await openVoximplantSecrets(config.secretsKey, row);
    const key = patch.serviceAccountKey ?? secrets.serviceAccountKey;
    if (patch.serviceAccountKey && String(patch.serviceAccountKey.account_id) !== row.accountId) {
      throw new ApiError("validation_failed", "a connection stays on its VoxImplant account", { errors: [{ field: "body.serviceAccountKey.account_id", message: `the connection's account is ${row.accountId}; make a new connection for another account` }] });
    }
    const settings: VoximplantSettings = { ...current, ...(patch.applicationId ? { applicationId: patch.applicationId } : {}), ...(patch.ruleId ? { ruleId: patch.ruleId } : {}), ...(patch.encoding ? { encoding: patch.encoding } : {}), keyId: key.key_id };
    if (patch.serviceAccountKey || patch.applicationId || patch.ruleId) await checkKey(c, key, settings.applicationId, settings.ruleId, bodyFields);
    const out: Awaited<ReturnType<ConnectionOps["update"]>> = { settings };
    if (patch.serviceAccountKey) {
      const sealed = await sealVoximplantSecrets(config.secretsKey, row.id, { ...secrets, serviceAccountKey: patch.serviceAccountKey });
      out.secret = sealed.secret;
      out.secretHint = sealed.secretHint;
    }
    return out;
  },

  async view(c, row) {
    const s = voximplantSettings(row);
    return {
      authType: "service_account",
      voximplant: { applicationId: s.applicationId, ruleId: s.ruleId, encoding: s.encoding, keyId: s.keyId, scenarioUrl: `${publicOrigin(c)}/v1/telephony-connections/${row.id}/voximplant-scenario` },
      livekitSip: null,
    };
  },

  async health(c, row) {
    const s = voximplantSettings(row);
    const checks: { name: string; ok: boolean; detail: string }[] = [];
    let client: VoximplantClient;
    try {
      client = await voximplantClientFor(c.get("config"), row);
      const account = await client.getAccountInfo();
      checks.push(account.active === false || account.frozen === true ? { name: "VoxImplant account", ok: false, detail: "the account is not active" } : { name: "VoxImplant account", ok: true, detail: "the stored key opens the account" });
    } catch (err) {
      const detail = err instanceof VoximplantApiError ? (err.retryable ? `VoxImplant could not be reached: ${err.message}` : `VoxImplant refused the stored key: ${err.message}`) : "the stored key could not be used";
      return [{ name: "VoxImplant account", ok: false, detail }];
    }
    const tryCheck = async (name: string, ok: () => Promise<boolean>, yes: string, no: string) => {
      try {
        checks.push((await ok()) ? { name, ok: true, detail: yes } : { name, ok: false, detail: no });
      } catch (err) {
        checks.push({ name, ok: false, detail: err instanceof VoximplantApiError ? `VoxImplant answered: ${err.message}` : "the check failed" });
      }
    };
    await tryCheck("VoxImplant application", async () => (await client.getApplications(s.applicationId)).some((a) => a.application_id === s.applicationId), `application ${s.applicationId} exists`, `the account has no application ${s.applicationId}`);
    await tryCheck("VoxImplant rule", async () => (await client.getRules(s.applicationId, s.ruleId)).some((r) => r.rule_id === s.ruleId), `rule ${s.ruleId} exists`, `the application has no rule ${s.ruleId}`);
    return checks;
  },

  async listNumbers(c, row, pageToken) {
    const pageSize = Number(c.req.query("pageSize") ?? 50);
    const offset = pageToken && /^\d{1,9}$/.test(pageToken) ? Number(pageToken) : 0;
    let page: { numbers: VoxPhoneNumber[]; totalCount: number };
    try {
      page = await (await voximplantClientFor(c.get("config"), row)).getPhoneNumbers({ count: pageSize, offset });
    } catch (err) {
      throw voximplantStoredKeyError(err);
    }
    const numbers: ProviderNumber[] = page.numbers.map((n) => ({
      providerNumberId: String(n.phone_id),
      e164: voximplantE164(n.phone_number),
      friendlyName: null,
      voiceUrl: n.application_id ? `VoxImplant application ${n.application_name ?? n.application_id}` : null,
    }));
    const next = offset + page.numbers.length;
    return { numbers, nextPageToken: page.numbers.length > 0 && next < page.totalCount ? String(next) : null };
  },

  async claimNumbers(c, row, ids) {
    const { applicationId } = voximplantSettings(row);
    const client = await voximplantClientFor(c.get("config"), row);
    const numbers: VoxPhoneNumber[] = [];
    const errors: FieldError[] = [];
    try {
      for (const [i, id] of ids.entries()) {
        const n = /^\d{1,15}$/.test(id) ? await readNumber(client, Number(id)) : null;
        if (!n) errors.push({ field: field(i), message: `the VoxImplant account has no number ${id}` });
        else if (!isE164(voximplantE164(n.phone_number))) errors.push({ field: field(i), message: `VoxImplant's number ${id} is not a phone number in E.164 form` });
        else numbers.push(n);
      }
    } catch (err) {
      throw voximplantStoredKeyError(err);
    }
    if (errors.length > 0) throw new ApiError("validation_failed", "some numbers cannot be imported", { errors });
    const changed: VoxPhoneNumber[] = [];
    const claimed: ClaimedNumber[] = [];
    for (const n of numbers) {
      try {
        await client.bindPhoneNumberToApplication(n.phone_id, applicationId, true);
      } catch (err) {
        await putBack(client, row.id, applicationId, changed);
        throw voximplantStoredKeyError(err);
      }
      changed.push(n);
      claimed.push({ providerNumberId: String(n.phone_id), e164: voximplantE164(n.phone_number), friendlyName: null, previousConfig: { applicationId: n.application_id ? String(n.application_id) : null } });
    }
    return claimed;
  },

  async releaseNumber(c, row, number) {
    const { applicationId } = voximplantSettings(row);
    const client = await voximplantClientFor(c.get("config"), row);
    const phoneId = Number(number.providerNumberId);
    try {
      const n = Number.isSafeInteger(phoneId) ? await readNumber(client, phoneId) : null;
      if (!n) return; // the account no longer holds it
      const previous = Number(number.previousConfig["applicationId"] ?? "");
      if (previous > 0 && previous !== applicationId) await client.bindPhoneNumberToApplication(phoneId, previous, true);
      else if (!previous) await client.bindPhoneNumberToApplication(phoneId, applicationId, false);
    } catch (err) {
      throw voximplantStoredKeyError(err);
    }
  },
};
