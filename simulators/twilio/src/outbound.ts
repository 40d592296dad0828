// POST Calls.json: Twilio's checks of a new outbound call and what it turns into
// (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource). Error codes:
// 21201 no To, 21213 no From, 21205 no Url/Twiml, 21211 invalid To, 21212 invalid From,
// 21210 From not a number of the account nor a verified caller id, 21219 trial account calling an
// unverified number, 21215 geo permissions.
import type { CallInit } from "./call.ts";
import { HttpError } from "./http.ts";
import type { Account, PhoneBehaviour } from "./model.ts";
import { e164, isHttpUrl } from "./rest.ts";

function methodOf(value: string | null): "GET" | "POST" {
  return value?.toUpperCase() === "GET" ? "GET" : "POST";
}

function intParam(form: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = form.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new HttpError(400, 20001, `${name} must be an integer`);
  return Math.max(min, Math.min(max, n));
}

export function outboundCallInit(account: Account, form: URLSearchParams, callee: (to: string) => PhoneBehaviour | null): CallInit {
  const to = form.get("To");
  const from = form.get("From") ?? form.get("CallerId");
  if (!to) throw new HttpError(400, 21201, "No 'To' number is specified");
  if (!from) throw new HttpError(400, 21213, "No 'From' number is specified");
  const twiml = form.get("Twiml");
  const url = form.get("Url");
  if (twiml === null && url === null && form.get("ApplicationSid") === null) throw new HttpError(400, 21205, "Url parameter is required. Please provide one of Url, Twiml or ApplicationSid");
  if (twiml === null && url !== null && !isHttpUrl(url)) throw new HttpError(400, 21205, `Url is not a valid URL: ${url}`);
  if (twiml === null && url === null) throw new HttpError(400, 21205, "The simulator runs Url or Twiml calls, not TwiML applications");
  if (!e164.test(to)) throw new HttpError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
  if (!e164.test(from)) throw new HttpError(400, 21212, `Invalid 'From' Phone Number: ${from}`);
  const owned = account.numbers.find((n) => n.phoneNumber === from);
  if (!owned && !account.verifiedCallerIds.includes(from)) {
    throw new HttpError(400, 21210, `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`);
  }
  if (account.trial && !account.verifiedCallerIds.includes(to) && !account.numbers.some((n) => n.phoneNumber === to)) {
    throw new HttpError(400, 21219, `The number ${to} is unverified. Trial accounts may only make calls to verified numbers.`);
  }
  if (account.blockedCountryCodes.some((code) => to.startsWith(`+${code}`))) {
    throw new HttpError(400, 21215, `Account not authorized to call ${to}. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk`);
  }
  const statusCallback = form.get("StatusCallback");
  if (statusCallback && !isHttpUrl(statusCallback)) throw new HttpError(400, 21205, `StatusCallback is not a valid URL: ${statusCallback}`);
  const events = form.getAll("StatusCallbackEvent").flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  for (const e of events) if (!["initiated", "ringing", "answered", "completed"].includes(e)) throw new HttpError(400, 20001, `StatusCallbackEvent ${e} is not valid`);
  const md = form.get("MachineDetection");
  if (md !== null && md !== "Enable" && md !== "DetectMessageEnd") throw new HttpError(400, 20001, "MachineDetection must be Enable or DetectMessageEnd");
  const amdCallback = form.get("AsyncAmdStatusCallback");
  if (amdCallback && !isHttpUrl(amdCallback)) throw new HttpError(400, 21205, `AsyncAmdStatusCallback is not a valid URL: ${amdCallback}`);
  const behaviour = callee(to);
  return {
    account,
    direction: "outbound-api",
    from,
    to,
    callerName: null,
    phoneNumberSid: owned?.sid ?? null,
    twiml,
    url,
    method: methodOf(form.get("Method")),
    statusCallback: statusCallback || null,
    statusCallbackMethod: methodOf(form.get("StatusCallbackMethod")),
    statusEvents: new Set(events.length > 0 ? events : ["completed"]),
    timeoutS: intParam(form, "Timeout", 60, 5, 600),
    timeLimitS: intParam(form, "TimeLimit", 14_400, 1, 86_400),
    machineDetection: md,
    asyncAmd: form.get("AsyncAmd") === "true",
    amdCallback: amdCallback || null,
    amdCallbackMethod: methodOf(form.get("AsyncAmdStatusCallbackMethod")),
    script: behaviour?.script ?? [],
    callee: behaviour,
  };
}
