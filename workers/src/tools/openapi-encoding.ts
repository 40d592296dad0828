// How an operation's arguments are written into the request: which request body media type is
// imported (JSON first, then application/x-www-form-urlencoded, then multipart/form-data without
// files, sent form-encoded), and the OpenAPI `style`/`explode`/`allowReserved` of parameters and
// form properties, recorded only where they differ from OpenAPI's defaults (path: simple; query
// and form: form + explode). A form property holding an object (or objects in an array) with no
// `encoding` entry is recorded as deepObject (`metadata[key]=value`): a plain exploded form would
// drop the property's name, and deepObject is what form-taking APIs such as Stripe's parse.
import type { FieldError, JsonSchema, ParameterStyle } from "@speaknode/contracts";
import { convertSchema, deref, isRecord, type SchemaContext } from "./openapi-schema.ts";

export type BodyMedia =
  | { kind: "none" }
  | { kind: "skip" }
  | { kind: "json" | "form"; mediaType: string; media: Record<string, unknown>; required: boolean; description?: string };

function mediaName(type: string): string {
  return type.split(";")[0]?.trim().toLowerCase() ?? "";
}

export function isJsonMedia(type: string): boolean {
  const media = mediaName(type);
  return media === "application/json" || media.endsWith("+json");
}

/** A file in a multipart body (which a voice agent cannot produce). Shallow: top-level properties. */
function hasBinaryProperty(ctx: SchemaContext, schema: unknown, where: string): boolean {
  const resolved = deref(ctx, schema, where);
  if (!isRecord(resolved)) return false;
  const members = [resolved, ...(Array.isArray(resolved.allOf) ? resolved.allOf.map((m) => deref(ctx, m, where)) : [])];
  for (const member of members) {
    if (!isRecord(member) || !isRecord(member.properties)) continue;
    for (const raw of Object.values(member.properties)) {
      const prop = deref(ctx, raw, where);
      const item = isRecord(prop) && prop.type === "array" ? deref(ctx, prop.items, where) : prop;
      if (isRecord(item) && (item.format === "binary" || item.contentMediaType !== undefined || item.contentEncoding !== undefined)) return true;
    }
  }
  return false;
}

/**
 * The media type of the request body to import; cheap (no schema conversion), so the index
 * can tell which operations can be imported at all. `warn` is false while indexing.
 */
export function chooseBodyMedia(ctx: SchemaContext, label: string, raw: unknown, warn = true): BodyMedia {
  if (raw === undefined) return { kind: "none" };
  const body = deref(ctx, raw, `${label} requestBody`);
  if (!isRecord(body)) return { kind: "none" };
  const content = isRecord(body.content) ? body.content : {};
  const required = body.required === true;
  const description = typeof body.description === "string" && body.description.trim() !== "" ? body.description.trim().slice(0, 2000) : undefined;
  const types = Object.keys(content);
  const pick = (kind: "json" | "form", mediaType: string | undefined): BodyMedia | undefined => {
    const media = mediaType === undefined ? undefined : content[mediaType];
    if (mediaType === undefined || !isRecord(media)) return undefined;
    return { kind, mediaType, media, required, ...(description !== undefined ? { description } : {}) };
  };
  const found =
    pick("json", types.find(isJsonMedia)) ??
    pick("form", types.find((t) => mediaName(t) === "application/x-www-form-urlencoded")) ??
    (() => {
      const multipart = types.find((t) => mediaName(t) === "multipart/form-data");
      const media = multipart === undefined ? undefined : content[multipart];
      if (multipart === undefined || !isRecord(media) || hasBinaryProperty(ctx, media.schema, `${label} body`)) return undefined;
      if (warn) ctx.warn(`${label}: its multipart/form-data body has no file, so it is sent as application/x-www-form-urlencoded`);
      return pick("form", multipart);
    })();
  if (found) return found;
  const listed = types.join(", ") || "no media type";
  // A voice agent cannot produce files; a required one makes the tool unusable.
  if (required) {
    if (warn) ctx.warn(`${label}: skipped: its required request body (${listed}) is neither JSON nor a form without files`);
    return { kind: "skip" };
  }
  if (warn) ctx.warn(`${label}: its optional request body (${listed}) is neither JSON nor a form without files; imported without a body`);
  return { kind: "none" };
}

const pathStyles = new Set(["simple", "label", "matrix"]);
const queryStyles = new Set(["form", "spaceDelimited", "pipeDelimited", "deepObject"]);

function style(value: unknown): ParameterStyle["style"] | undefined {
  return typeof value === "string" && (pathStyles.has(value) || queryStyles.has(value)) ? (value as ParameterStyle["style"]) : undefined;
}

/**
 * A parameter's style when it is not OpenAPI's default for its location; undefined for the
 * default (or a style that location cannot take, with a warning).
 */
export function parameterStyle(ctx: SchemaContext, where: string, location: "path" | "query" | "form", raw: Record<string, unknown>): ParameterStyle | undefined {
  const fallback = location === "path" ? "simple" : "form";
  const given = raw.style === undefined ? fallback : style(raw.style);
  const allowed = location === "path" ? pathStyles : queryStyles;
  if (given === undefined || !allowed.has(given)) {
    ctx.warn(`${where}: style ${String(raw.style)} is not one a ${location === "form" ? "form body property" : `${location} parameter`} can take; ${fallback} is used`);
    return undefined;
  }
  // OpenAPI: explode defaults to true for form, false for every other style.
  const explode = typeof raw.explode === "boolean" ? raw.explode : given === "form";
  const allowReserved = location !== "path" && raw.allowReserved === true;
  const isDefault = given === fallback && explode === (location !== "path") && !allowReserved;
  return isDefault ? undefined : { style: given, explode, allowReserved };
}

function holdsObjects(schema: JsonSchema): boolean {
  const isObject = (s: JsonSchema | undefined): boolean => s !== undefined && (s.type === "object" || (Array.isArray(s.type) && s.type.includes("object")) || s.properties !== undefined);
  // Stripe's `metadata`: anyOf an object and the empty string (which unsets it).
  const variants = [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  return variants.some((s) => isObject(s) || (s.type === "array" && isObject(s.items)));
}

/**
 * Styles of a form body's properties from the media type's `encoding` object; objects without
 * an entry become deepObject (see the top of this file).
 */
export function formStyles(ctx: SchemaContext, label: string, media: Record<string, unknown>, properties: Record<string, JsonSchema>): Record<string, ParameterStyle> {
  const encoding = isRecord(media.encoding) ? media.encoding : {};
  const styles: Record<string, ParameterStyle> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const entry = Object.hasOwn(encoding, name) ? encoding[name] : undefined;
    if (isRecord(entry)) {
      if (typeof entry.contentType === "string" && !/^text\/plain|^application\/x-www-form-urlencoded/i.test(entry.contentType)) {
        ctx.warn(`${label}: form property ${name} asks for content type ${entry.contentType}; it is sent as a form value`);
      }
      if (entry.style !== undefined || entry.explode !== undefined || entry.allowReserved !== undefined) {
        const found = parameterStyle(ctx, `${label}: form property ${name}`, "form", entry);
        if (found) styles[name] = found;
        continue;
      }
    }
    if (holdsObjects(schema)) styles[name] = { style: "deepObject", explode: true, allowReserved: false };
  }
  return styles;
}

export interface Param {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  /** Path parameters are required whatever this says: the URL cannot be built without them. */
  required: boolean;
  schema: JsonSchema;
  /** Set when `style`/`explode`/`allowReserved` differ from the location's default. */
  style?: ParameterStyle;
}

/** Path-item parameters overridden by the operation's own (same name and location), as the spec says. */
export function collectParameters(ctx: SchemaContext, label: string, lists: Array<[unknown, string]>, errors: FieldError[]): Map<string, Param> {
  const params = new Map<string, Param>();
  for (const [list, field] of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push({ field, message: "must be an array" });
      continue;
    }
    list.forEach((raw, i) => {
      const p = deref(ctx, raw, `${label} parameter ${i}`);
      if (p === undefined) return;
      if (!isRecord(p) || typeof p.name !== "string" || p.name === "" || !["path", "query", "header", "cookie"].includes(String(p.in))) {
        errors.push({ field: `${field}.${i}`, message: "must be a parameter with a name and `in` of path, query, header or cookie" });
        return;
      }
      const media = isRecord(p.content) ? Object.values(p.content)[0] : undefined;
      const rawSchema = p.schema ?? (isRecord(media) ? media.schema : undefined);
      const schema = convertSchema(ctx, rawSchema ?? { type: "string" }, `${label} ${String(p.in)} parameter ${p.name}`);
      const description = typeof p.description === "string" ? p.description.trim().slice(0, 2000) : "";
      if (schema.description === undefined && description !== "") schema.description = description;
      if (schema.examples === undefined && p.example !== undefined) schema.examples = [p.example];
      const location = p.in as Param["in"];
      const where = `${label}: ${location} parameter ${p.name}`;
      const style = location === "path" || location === "query" ? parameterStyle(ctx, where, location, p) : undefined;
      params.set(`${location}:${p.name}`, { name: p.name, in: location, required: p.required === true, schema, ...(style ? { style } : {}) });
    });
  }
  return params;
}
