// The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2). What cannot be trusted as a
// destination — an unknown client, a redirect URI not registered for it — is shown on an error
// page and never redirected to (RFC 6749 §4.1.2.1); every other error goes back to the client as
// `error=…&state=…&iss=…`. The sign-in session is a cookie on /dev/oidc: `prompt=none` answers
// from it alone (login_required without one), and `max_age` asks for a fresh sign-in when it is
// older than that. Choosing a user on the page is the sign-in; Cancel answers access_denied.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { devIdentities, type DevIdentity } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { findClient } from "./clients.ts";
import type { IssueContext } from "./tokens.ts";
import { issueCode, issueSession, sessionTtlS, verifySession, type SessionClaims } from "./tokens.ts";
import { cancelField, chosenUserField, errorPage, signInPage } from "./sign-in-page.ts";

export const sessionCookie = "speaknode_dev_oidc_session";
const cookiePath = "/dev/oidc";

/** The request parameters the page carries through its form, once checked. */
const carried = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "max_age"] as const;
const promptValues = new Set(["none", "login", "consent", "select_account"]);

class AuthorizeError extends Error {
  readonly error: string;
  readonly description: string;
  constructor(error: string, description: string) {
    super(description);
    this.error = error;
    this.description = description;
  }
}

/** A form body's text (read as bytes: workerd warns when .text() meets a form content type). */
export async function formBody(c: Context<AppEnv>): Promise<string> {
  return new TextDecoder().decode(await c.req.arrayBuffer());
}

/** Reads the request's parameters, refusing any given twice (RFC 6749 §3.1). */
export function singleParams(params: URLSearchParams | Record<string, string | string[]>): Record<string, string> | string {
  const out: Record<string, string> = {};
  const entries = params instanceof URLSearchParams ? [...params] : Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as const) : [[k, v] as const]));
  for (const [k, v] of entries) {
    if (k in out) return k;
    out[k] = v;
  }
  return out;
}

interface Checked {
  scope: string;
  codeChallenge: string;
  prompt: Set<string>;
  maxAgeS: number | undefined;
  nonce: string | undefined;
}

function check(q: Record<string, string>): Checked {
  if (q["request"] !== undefined) throw new AuthorizeError("request_not_supported", "request objects are not supported");
  if (q["request_uri"] !== undefined) throw new AuthorizeError("request_uri_not_supported", "request_uri is not supported");
  if (!q["response_type"]) throw new AuthorizeError("invalid_request", "response_type is required");
  if (q["response_type"] !== "code") throw new AuthorizeError("unsupported_response_type", "only response_type=code is supported");
  if (q["response_mode"] !== undefined && q["response_mode"] !== "query") throw new AuthorizeError("invalid_request", "only response_mode=query is supported");
  const scope = (q["scope"] ?? "").split(" ").filter(Boolean);
  if (!scope.includes("openid")) throw new AuthorizeError("invalid_scope", "scope must include openid");
  const codeChallenge = q["code_challenge"] ?? "";
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge)) throw new AuthorizeError("invalid_request", "a PKCE code_challenge (43–128 characters) is required");
  if (q["code_challenge_method"] !== "S256") throw new AuthorizeError("invalid_request", "code_challenge_method must be S256");
  const prompt = new Set((q["prompt"] ?? "").split(" ").filter(Boolean));
  for (const p of prompt) if (!promptValues.has(p)) throw new AuthorizeError("invalid_request", `unknown prompt value ${p}`);
  if (prompt.has("none") && prompt.size > 1) throw new AuthorizeError("invalid_request", "prompt=none cannot be combined with other values");
  const maxAge = q["max_age"];
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) throw new AuthorizeError("invalid_request", "max_age must be a number of seconds");
  if ((q["state"]?.length ?? 0) > 2000 || (q["nonce"]?.length ?? 0) > 500) throw new AuthorizeError("invalid_request", "state or nonce is too long");
  return { scope: scope.join(" "), codeChallenge, prompt, maxAgeS: maxAge === undefined ? undefined : Number(maxAge), nonce: q["nonce"] };
}

/** Through the context, so a session cookie set on it goes out with the redirect. */
function redirectTo(c: Context<AppEnv>, redirectUri: string, ctx: IssueContext, params: Record<string, string | undefined>): Response {
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.set(k, v);
  // RFC 9207: the response names its issuer, so a client talking to several can tell them apart.
  target.searchParams.set("iss", ctx.issuer);
  c.header("cache-control", "no-store");
  return c.redirect(target.toString(), 302);
}

async function currentSession(c: Context<AppEnv>, ctx: IssueContext): Promise<SessionClaims | null> {
  const raw = getCookie(c, sessionCookie);
  const session = raw ? await verifySession(raw, ctx) : null;
  return session && devIdentities.some((u) => u.sub === session.sub) ? session : null;
}

export function clearSession(c: Context<AppEnv>): void {
  deleteCookie(c, sessionCookie, { path: cookiePath });
}

/** Answers GET (the page) and POST (the page's choice) of /auth. */
export async function authorize(c: Context<AppEnv>, raw: Record<string, string> | string, ctxFor: (clientId: string) => Promise<IssueContext>): Promise<Response> {
  const page = (status: 400, title: string, detail: string) => c.html(errorPage(title, detail), status, { "cache-control": "no-store" });
  if (typeof raw === "string") return page(400, "Invalid sign-in request", `the parameter ${raw} is given more than once`);
  const ctx = await ctxFor(raw["client_id"] ?? "");
  const client = findClient(c.get("config"), raw["client_id"]);
  if (!client) return page(400, "Unknown client", "this issuer does not know the client_id of the application that sent you here");
  const redirectUri = raw["redirect_uri"] ?? "";
  if (!client.redirectUris.includes(redirectUri)) return page(400, "Unregistered redirect URI", "the redirect_uri is not one registered for this client");
  const state = raw["state"];

  let q: Checked;
  try {
    q = check(raw);
  } catch (err) {
    if (err instanceof AuthorizeError) return redirectTo(c, redirectUri, ctx, { error: err.error, error_description: err.description, state });
    throw err;
  }
  const nowS = Math.floor(Date.now() / 1000);
  const grant = async (who: DevIdentity, authTime: number) => {
    const code = await issueCode(ctx, { sub: who.sub, redirect_uri: redirectUri, code_challenge: q.codeChallenge, scope: q.scope, nonce: q.nonce, auth_time: authTime, sid: crypto.randomUUID() });
    return redirectTo(c, redirectUri, ctx, { code, state });
  };

  if (c.req.method === "POST") {
    if (raw[cancelField]) return redirectTo(c, redirectUri, ctx, { error: "access_denied", error_description: "the user cancelled the sign-in", state });
    const who = devIdentities.find((u) => u.sub === raw[chosenUserField]);
    if (who) {
      setCookie(c, sessionCookie, await issueSession(ctx, { sub: who.sub, auth_time: nowS }), {
        path: cookiePath,
        httpOnly: true,
        sameSite: "Lax",
        secure: ctx.issuer.startsWith("https:"),
        maxAge: sessionTtlS,
      });
      return grant(who, nowS);
    }
  }
  const session = await currentSession(c, ctx);
  const fresh = session && (q.maxAgeS === undefined || nowS - session.auth_time <= q.maxAgeS) ? session : null;
  if (q.prompt.has("none")) {
    // No page may be shown: answer from the session, or tell the client to sign the user in.
    const who = fresh && devIdentities.find((u) => u.sub === fresh.sub);
    if (!who || !fresh) return redirectTo(c, redirectUri, ctx, { error: "login_required", error_description: session ? "the sign-in is older than max_age" : "no one is signed in at the issuer", state });
    return grant(who, fresh.auth_time);
  }
  const hidden: Record<string, string> = {};
  for (const k of carried) {
    const v = k === "scope" ? q.scope : raw[k];
    if (v !== undefined) hidden[k] = v;
  }
  return c.html(signInPage(devIdentities, hidden, client.clientId), c.req.method === "POST" ? 400 : 200, { "cache-control": "no-store" });
}
