// Receiving one Twilio webhook at the edge, the same way for every kind: read the form body
// (bounded), find the connection named in the path, check X-Twilio-Signature against the URL
// Twilio called, and store the request in the inbound webhook log — refused ones too, and then
// nothing else. The caller acts on an accepted request; a refused one answers 403 and says
// nothing about whether the connection exists.
import type { Context } from "hono";
import { newId } from "@speaknode/contracts";
import type { AppEnv } from "../../context.ts";
import { ApiError } from "../../errors.ts";
import { errorFields, log } from "../../lib/log.ts";
import { publicOrigin } from "../../lib/public-url.ts";
import { twilioCredentials, webhookSigningToken, type ConnectionRow } from "../connections.ts";
import { edgeConnection, edgeRequestLogFields } from "../edge-request.ts";
import { insertWebhookLog, type WebhookLogEntry } from "../webhook-log.ts";
import { verifyTwilioSignature } from "./signature.ts";

/** Twilio's callbacks are a few KB; anything this large is not one. */
export const twilioFormMaxBytes = 64 * 1024;
const maxParams = 200;

export interface AcceptedWebhook {
  connection: ConnectionRow;
  params: Record<string, string>;
  logId: string;
  /** The accepted request's log row being written: the caller may work meanwhile, but must await
   *  it before anything refers to the row (a queue message, a mark) and before it answers. */
  logged: Promise<void>;
}

const formType = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** The form parameters in order (repeats kept, as the signature covers them all). */
export async function readTwilioForm(c: Context<AppEnv>): Promise<[string, string][]> {
  const type = c.req.header("content-type") ?? "";
  if (!formType.test(type)) throw new ApiError("malformed_request", "the body must be application/x-www-form-urlencoded");
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > twilioFormMaxBytes) throw new ApiError("payload_too_large", `the body is larger than ${twilioFormMaxBytes / 1024} KiB`);
  let body: string;
  try {
    body = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError("malformed_request", "the body is not UTF-8");
  }
  const pairs = [...new URLSearchParams(body)];
  if (pairs.length > maxParams) throw new ApiError("malformed_request", `the body has more than ${maxParams} parameters`);
  return pairs;
}

/** The URLs Twilio may have signed: the public one (behind a proxy) and the one this request names. */
function signedUrlCandidates(c: Context<AppEnv>): string[] {
  const requested = new URL(c.req.url);
  const candidates = [`${publicOrigin(c)}${requested.pathname}${requested.search}`, c.req.url];
  return [...new Set(candidates)];
}

async function signatureValid(c: Context<AppEnv>, connection: ConnectionRow, pairs: [string, string][]): Promise<boolean> {
  let token: string;
  try {
    token = webhookSigningToken(await twilioCredentials(c.get("config").secretsKey, connection));
  } catch (err) {
    log.error("telephony: connection credentials do not open", { requestId: c.get("requestId"), connectionId: connection.id, ...errorFields(err) });
    return false;
  }
  const header = c.req.header("x-twilio-signature");
  let valid = false;
  for (const url of signedUrlCandidates(c)) if (await verifyTwilioSignature(token, url, pairs, header)) valid = true;
  return valid;
}

/**
 * The request, checked and logged. Throws 403 (after logging it as refused) when the connection is
 * unknown or the signature does not match; `dedupeKey` names the provider event for replays.
 */
export async function receiveTwilioWebhook(c: Context<AppEnv>, kind: WebhookLogEntry["kind"], connectionId: string, dedupeKey: (params: Record<string, string>) => string | null): Promise<AcceptedWebhook> {
  const pairs = await readTwilioForm(c);
  const params = Object.fromEntries(pairs);
  const connection = await edgeConnection(c, connectionId, "twilio");
  const valid = connection ? await signatureValid(c, connection, pairs) : false;
  const logId = newId("webhookLog");
  const logged = insertWebhookLog(c.get("db"), {
    id: logId,
    provider: "twilio",
    kind,
    ...edgeRequestLogFields(c, connection),
    params,
    signatureValid: valid,
    outcome: valid ? "accepted" : "refused",
    ...(valid ? { dedupeKey: dedupeKey(params) } : { detail: connection ? "signature does not match" : "unknown connection" }),
    // Callbacks go on the telephony queue; a voice request's routing is its answer (the route marks it).
    routing: !connection ? "no connection for this URL" : !valid ? "nowhere: the signature does not match" : kind === "voice" ? null : `${kind} queue`,
  }).then(() => undefined);
  if (!connection || !valid) {
    await logged;
    log.warn("telephony: webhook refused", { requestId: c.get("requestId"), kind, logId, knownConnection: connection !== undefined });
    throw new ApiError("forbidden", "the request is not signed by the provider of this connection");
  }
  // Nothing has acted on the request yet; the caller may now, while its log row is written.
  logged.catch(() => undefined);
  return { connection, params, logId, logged };
}
