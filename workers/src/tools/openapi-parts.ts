// Smaller pieces of the OpenAPI import: the base URL of an operation, and what its security
// schemes need the user to fill in (credentials; header names as `securityHints`).
import { toolCodePattern, type ImportCredential } from "@speaknode/contracts";
import { codeWords } from "./openapi-codes.ts";
import { deref, isRecord, type SchemaContext } from "./openapi-schema.ts";

/** `getOrderByID` → `get_order_by_id`, cut at 64 characters; undefined when nothing usable is left. */
export function toToolCode(raw: string): string | undefined {
  const words = codeWords(raw);
  if (words.length === 0) return undefined;
  const snake = words.join("_");
  const code = (/^[0-9]/.test(snake) ? `op_${snake}` : snake).slice(0, 64).replace(/_+$/, "");
  return toolCodePattern.test(code) ? code : undefined;
}

/**
 * The first server's URL with its variables at their defaults, without a trailing slash.
 * Not absolute (none given, relative, a variable without default) → the URL stays a path.
 */
export function serverBase(ctx: SchemaContext, servers: unknown, documentUrl: string | undefined): { base: string; absolute: boolean } {
  const server = Array.isArray(servers) ? servers.find((s): s is Record<string, unknown> => isRecord(s) && typeof s.url === "string") : undefined;
  if (!server) {
    ctx.warn("the document names no server: the tools' URLs are paths only; set a base URL before saving them");
    return { base: "", absolute: false };
  }
  const template = String(server.url);
  const variables = isRecord(server.variables) ? server.variables : {};
  const missing: string[] = [];
  const url = template.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    const value = isRecord(variable) ? (variable.default ?? (Array.isArray(variable.enum) ? variable.enum[0] : undefined)) : undefined;
    if (typeof value === "string") return value;
    missing.push(name);
    return whole;
  });
  if (missing.length > 0) {
    ctx.warn(`server ${template}: variable ${missing.map((m) => `{${m}}`).join(", ")} has no default; the tools' URLs are paths only`);
    return { base: "", absolute: false };
  }
  if (/^https?:\/\//i.test(url)) return { base: url.replace(/\/+$/, ""), absolute: true };
  if (documentUrl !== undefined) {
    try {
      const resolved = new URL(url, documentUrl);
      if (resolved.protocol === "https:" || resolved.protocol === "http:") return { base: resolved.href.replace(/\/+$/, ""), absolute: true };
    } catch {
      // Falls through to the warning below.
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    ctx.warn(`server ${url} is not http(s): the tools' URLs are paths only; set a base URL before saving them`);
    return { base: "", absolute: false };
  }
  ctx.warn(`server ${url} is relative: the tools' URLs lack a host; set a base URL before saving them`);
  const path = url.replace(/\/+$/, "");
  return { base: path === "" || path.startsWith("/") ? path : `/${path}`, absolute: false };
}

export interface SecurityNeeds {
  /** Header names (compatibility with clients that only know secret headers). */
  hints: string[];
  credentials: ImportCredential[];
}

/**
 * What the operation's security requirements need (all alternatives: the user fills in those
 * they have): HTTP basic → `basicAuth`; bearer, OAuth 2 and OpenID Connect → an
 * `Authorization: Bearer …` secret header; API keys → a secret header or query parameter.
 * Cookies and other HTTP schemes cannot be sent and are warned about.
 */
export function securityNeeds(ctx: SchemaContext, label: string, security: unknown): SecurityNeeds {
  const hints = new Map<string, string>(); // lower-case → as written
  const credentials = new Map<string, ImportCredential>();
  const components = isRecord(ctx.doc.components) ? ctx.doc.components : {};
  const schemes = isRecord(components.securitySchemes) ? components.securitySchemes : {};
  for (const requirement of Array.isArray(security) ? security : []) {
    if (!isRecord(requirement)) continue;
    for (const key of Object.keys(requirement)) {
      const scheme = Object.hasOwn(schemes, key) ? deref(ctx, schemes[key], `security scheme ${key}`) : undefined;
      if (!isRecord(scheme)) {
        ctx.warn(`${label}: security scheme ${key} is not defined`);
        continue;
      }
      const httpScheme = typeof scheme.scheme === "string" ? scheme.scheme.toLowerCase() : "";
      const name = typeof scheme.name === "string" && scheme.name !== "" ? scheme.name : undefined;
      let credential: Omit<ImportCredential, "scheme" | "description"> | undefined;
      if (scheme.type === "http" && httpScheme === "basic") credential = { kind: "basic", name: "Authorization" };
      else if ((scheme.type === "http" && httpScheme === "bearer") || scheme.type === "oauth2" || scheme.type === "openIdConnect") credential = { kind: "bearer", name: "Authorization" };
      else if (scheme.type === "apiKey" && scheme.in === "header" && name !== undefined) credential = { kind: "header", name };
      else if (scheme.type === "apiKey" && scheme.in === "query" && name !== undefined) credential = { kind: "query", name };
      else if (scheme.type === "apiKey" && scheme.in === "cookie") ctx.warn(`${label}: security scheme ${key} sends its key in a cookie, which tools cannot do`);
      else if (scheme.type === "http") ctx.warn(`${label}: security scheme ${key} (HTTP ${httpScheme || "without a scheme"}) is not supported; give its Authorization value as a secret header`);
      else ctx.warn(`${label}: security scheme ${key} (${String(scheme.type)}) is not supported`);
      if (credential === undefined) continue;
      if (credential.kind !== "query" && !hints.has(credential.name.toLowerCase())) hints.set(credential.name.toLowerCase(), credential.name);
      const description = typeof scheme.description === "string" && scheme.description.trim() !== "" ? scheme.description.trim().slice(0, 1000) : undefined;
      if (!credentials.has(key)) credentials.set(key, { scheme: key, ...credential, ...(description !== undefined ? { description } : {}) });
    }
  }
  return { hints: [...hints.values()], credentials: [...credentials.values()] };
}
