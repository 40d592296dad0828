// What the "Import from OpenAPI" panel sends, as pure functions tested without a DOM: the document
// part of a request (pasted text, a file, or a URL the API fetches, plus an optional base URL),
// the credentials the selected operations' security schemes ask for (HTTP basic as `basicAuth`,
// a bearer token as the `Authorization` secret header, API keys as secret headers or secret query
// parameters), and the search over the document's index of operations.
import { z } from "zod";
import { HeaderName, maxOpenApiDocumentBytes, QueryParamName, type ImportCredential, type ImportOperationSummary } from "../../../packages/contracts/src/tools.ts";
import type { FieldErrors } from "../ui/forms.ts";
import type { HeaderRow } from "./tool-form.ts";
import type { ImportRequest, PreviewItem } from "./tools.ts";

export type ImportSource = "text" | "file" | "url";
/** The largest document the API takes (Stripe's is 4.2 MB): checked here before the upload. */
export const maxDocumentBytes = maxOpenApiDocumentBytes;
export const maxDocumentLabel = `${maxDocumentBytes / 1024 / 1024} MB`;

/** Values typed for the credentials the operations need; empty ones are not sent. */
export interface CredentialValues {
  username: string;
  password: string;
  bearer: string;
  /** By header name / query parameter name. */
  headers: Record<string, string>;
  query: Record<string, string>;
}

export interface ImportInput {
  source: ImportSource;
  text: string;
  file: { name: string; text: string } | null;
  url: string;
  baseUrl: string;
  /** Further secret headers for every created tool, beyond what the document's security names. */
  secrets: HeaderRow[];
  credentials: CredentialValues;
}

export const emptyCredentials = (): CredentialValues => ({ username: "", password: "", bearer: "", headers: {}, query: {} });

export const emptyInput = (): ImportInput => ({ source: "file", text: "", file: null, url: "", baseUrl: "", secrets: [], credentials: emptyCredentials() });

/** Which document (and base URL) a preview was made from: a new one needs a new preview. */
export type DocumentRequest = Pick<ImportRequest, "source" | "baseUrl">;

const HttpUrl = z.url({ protocol: /^https?$/ });

/** The document part of the request, or field errors keyed document|url|baseUrl. */
export function documentRequest(input: ImportInput): { request?: DocumentRequest; errors: FieldErrors } {
  const errors: FieldErrors = {};
  let source: DocumentRequest["source"] | undefined;
  if (input.source === "url") {
    if (!HttpUrl.safeParse(input.url.trim()).success) errors["url"] = "must be an http(s) URL";
    else source = { type: "url", url: input.url.trim() };
  } else {
    const text = input.source === "file" ? (input.file?.text ?? "") : input.text;
    if (!text.trim()) errors["document"] = input.source === "file" ? "choose an OpenAPI file" : "paste an OpenAPI document (JSON or YAML)";
    else if (text.length > maxDocumentBytes || new TextEncoder().encode(text).length > maxDocumentBytes) errors["document"] = `is larger than ${maxDocumentLabel}`;
    else source = { type: "document", document: text };
  }
  const baseUrl = input.baseUrl.trim();
  if (baseUrl && !HttpUrl.safeParse(baseUrl).success) errors["baseUrl"] = "must be an http(s) URL";
  if (!source || Object.keys(errors).length > 0) return { errors };
  return { request: { source, ...(baseUrl ? { baseUrl } : {}) }, errors };
}

/** Whether two document requests name the same document (compared by reference first: documents run to megabytes). */
export function sameDocument(a: DocumentRequest, b: DocumentRequest): boolean {
  return a.baseUrl === b.baseUrl && sameSource(a, b);
}

export function sameSource(a: DocumentRequest, b: DocumentRequest): boolean {
  if (a.source.type === "url" && b.source.type === "url") return a.source.url === b.source.url;
  return a.source.type === "document" && b.source.type === "document" && a.source.document === b.source.document;
}

/** The credentials of `items`, one per kind and name (two schemes asking for the same header are one field). */
export function credentialsOf(items: readonly PreviewItem[]): ImportCredential[] {
  const out = new Map<string, ImportCredential>();
  for (const c of items.flatMap((i) => i.credentials)) {
    const key = c.kind === "query" ? `query:${c.name}` : c.kind === "header" ? `header:${c.name.toLowerCase()}` : c.kind;
    if (!out.has(key)) out.set(key, c);
  }
  const order = { basic: 0, bearer: 1, header: 2, query: 3 } as const;
  return [...out.values()].sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
}

export type SecretParts = Pick<ImportRequest, "secretHeaders" | "secretQueryParams" | "basicAuth">;

/**
 * The secret parts of a confirm, from the typed credentials and extra secret header rows; errors
 * keyed credentials.basic|credentials.bearer|credentials.header.<name>|credentials.query.<name>|secretHeaders.rows.<i>.
 */
export function secretParts(input: ImportInput, needed: readonly ImportCredential[]): { parts: SecretParts & { secretHeaders: Record<string, string> }; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const c = input.credentials;
  const secretHeaders: Record<string, string> = {};
  const secretQueryParams: Record<string, string> = {};
  const has = (name: string) => Object.keys(secretHeaders).some((n) => n.toLowerCase() === name.toLowerCase());
  let basicAuth: SecretParts["basicAuth"];
  const kinds = new Set(needed.map((n) => n.kind));
  if (kinds.has("basic") && (c.username || c.password)) {
    if (!c.username || !c.password) errors["credentials.basic"] = c.username ? "needs the password too" : "needs the username too";
    else if (c.username.includes(":")) errors["credentials.basic"] = "a username may not contain ':' (HTTP basic joins them with one)";
    else basicAuth = { username: c.username, password: c.password };
  }
  if (kinds.has("bearer") && c.bearer.trim()) {
    if (basicAuth) errors["credentials.bearer"] = "fill in either the username and password or the token: both are sent as the Authorization header";
    else secretHeaders["Authorization"] = `Bearer ${c.bearer.trim()}`;
  }
  for (const n of needed) {
    const value = n.kind === "header" ? c.headers[n.name] : n.kind === "query" ? c.query[n.name] : undefined;
    if (!value) continue;
    const key = `credentials.${n.kind}.${n.name}`;
    if (n.kind === "query") {
      if (!QueryParamName.safeParse(n.name).success) errors[key] = `"${n.name}" cannot be sent as a secret query parameter`;
      else secretQueryParams[n.name] = value;
    } else if (!HeaderName.safeParse(n.name).success) errors[key] = `"${n.name}" is not an HTTP header name`;
    else if (has(n.name) || (basicAuth && n.name.toLowerCase() === "authorization")) errors[key] = `"${n.name}" is given twice`;
    else secretHeaders[n.name] = value;
  }
  input.secrets.forEach((row, i) => {
    const name = row.name.trim();
    if (!name && !row.value) return;
    const key = `secretHeaders.rows.${i}`;
    if (!HeaderName.safeParse(name).success) errors[key] = name ? `"${name}" is not an HTTP header name` : "needs a header name";
    else if (!row.value) errors[key] = "needs a value";
    else if (has(name) || (basicAuth && name.toLowerCase() === "authorization")) errors[key] = `"${name}" is given twice`;
    else secretHeaders[name] = row.value;
  });
  return { parts: { secretHeaders, secretQueryParams, ...(basicAuth ? { basicAuth } : {}) }, errors };
}

/** The credentials left empty: the created tools call the API without them. */
export function missingCredentials(input: ImportInput, needed: readonly ImportCredential[]): ImportCredential[] {
  const c = input.credentials;
  const filled = (n: ImportCredential) => (n.kind === "basic" ? !!(c.username && c.password) : n.kind === "bearer" ? !!c.bearer.trim() : n.kind === "header" ? !!c.headers[n.name] : !!c.query[n.name]);
  // Basic and bearer are alternatives for the same header: either one filled is enough.
  const authorization = needed.some((n) => (n.kind === "basic" || n.kind === "bearer") && filled(n));
  return needed.filter((n) => !filled(n) && !(authorization && (n.kind === "basic" || n.kind === "bearer")));
}

/** Operations whose code, path, summary or a tag contains `search` (case-insensitive), as the API's own search does. */
export function matchingOperations(operations: readonly ImportOperationSummary[], search: string): ImportOperationSummary[] {
  const q = search.trim().toLowerCase();
  if (!q) return [...operations];
  return operations.filter((o) => o.code.toLowerCase().includes(q) || o.path.toLowerCase().includes(q) || o.summary.toLowerCase().includes(q) || o.tags.some((t) => t.toLowerCase().includes(q)));
}

/** A preview item's code (the draft is the API's loosely typed record). */
export const codeOf = (item: PreviewItem) => String(item.draft["code"] ?? "");
export const draftText = (item: PreviewItem, key: string) => (typeof item.draft[key] === "string" ? item.draft[key] : "");
