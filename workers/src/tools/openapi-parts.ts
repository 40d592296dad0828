// Smaller pieces of the OpenAPI import: tool codes, the base URL of an operation, and the
// headers its security schemes need.
import { toolCodePattern } from "@speaknode/contracts";
import { deref, isRecord, type SchemaContext } from "./openapi-schema.ts";

/** `getOrderByID` → `get_order_by_id`; undefined when nothing usable is left. */
export function toToolCode(raw: string): string | undefined {
  const snake = raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // "créer" → "creer" rather than "cr_er"
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (snake === "") return undefined;
  const code = (/^[0-9]/.test(snake) ? `op_${snake}` : snake).slice(0, 64).replace(/_+$/, "");
  return toolCodePattern.test(code) ? code : undefined;
}

/** From the operationId, else from the method and path (`get_orders_order_id`). */
export function operationCode(operationId: string | undefined, method: string, path: string): string {
  return (operationId !== undefined ? toToolCode(operationId) : undefined) ?? toToolCode(`${method}_${path}`) ?? method;
}

/** `base`, else `base_2`, `base_3`… (shortened to stay within 64 characters); marks it used. */
export function uniqueCode(base: string, used: Set<string>): string {
  let code = base;
  for (let n = 2; used.has(code); n++) {
    const suffix = `_${n}`;
    code = `${base.slice(0, 64 - suffix.length).replace(/_+$/, "")}${suffix}`;
  }
  used.add(code);
  return code;
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

/**
 * Header names the operation's security requirements use (all alternatives: the UI asks for
 * those it needs). Schemes that cannot be a header are warned about.
 */
export function securityHints(ctx: SchemaContext, label: string, security: unknown): string[] {
  const hints = new Map<string, string>(); // lower-case → as written
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
      let header: string | undefined;
      if (scheme.type === "apiKey" && scheme.in === "header" && typeof scheme.name === "string") header = scheme.name;
      else if (scheme.type === "http" || scheme.type === "oauth2" || scheme.type === "openIdConnect") header = "Authorization";
      else if (scheme.type === "apiKey") ctx.warn(`${label}: security scheme ${key} sends its key in the ${String(scheme.in)}, which secret headers cannot do; add it to the URL`);
      else ctx.warn(`${label}: security scheme ${key} (${String(scheme.type)}) is not supported`);
      if (header !== undefined && !hints.has(header.toLowerCase())) hints.set(header.toLowerCase(), header);
    }
  }
  return [...hints.values()];
}
