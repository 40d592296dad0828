// The demo shop the seeded demo agent's `check_order` webhook tool calls: a tiny, deterministic
// order-status API, served only when dev tools are enabled, so the embedded default can show a
// real tool call end to end (pre-tool speech, HTTP request, answer from the result).
// It also describes itself in an OpenAPI 3.0 document (GET /dev/demo-shop/openapi.json), so the
// tool import can be tried on a laptop as on a real API: a relative server, an API key in the
// query string (`api_key`, whose development value is `demoShopApiKey` below) and a form-encoded
// write (POST …/orders/{orderId}/notes, the encoding Twilio's and Stripe's writes use). The last
// notes each order received, raw body and content type included, can be read back for tests.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./errors.ts";

const statuses = ["processing", "shipped", "out for delivery", "delivered"] as const;

/** The demo shop's API key in development: a fixed, public value (the shop is a dev tool), given to
 *  an imported tool as its secret query parameter `api_key`. */
export const demoShopApiKey = "demo-shop-key";

const orderIdPattern = /^\d{1,12}$/;
const maxNoteBodyBytes = 16 * 1024;
const maxNoteLength = 500;
const maxTags = 20;
/** Orders whose last notes are kept; the oldest is forgotten beyond this. */
const keptOrders = 100;

/** The same order always has the same status: the digit sum picks it. */
export function demoOrder(orderId: string): { orderId: string; status: string; items: number } {
  const digits = orderId.replace(/\D/g, "");
  const sum = [...digits].reduce((n, d) => n + Number(d), 0);
  return { orderId: digits, status: statuses[sum % statuses.length] ?? "processing", items: (sum % 3) + 1 };
}

/** What the shop answers to a note, and keeps as the order's last one with how it arrived. */
export interface ReceivedNote {
  orderId: string;
  note: string;
  tags: string[];
  saved: true;
  /** How it arrived; of the query string only the parameter names (the key is checked, not kept). */
  received: { contentType: string | null; rawBody: string; queryNames: string[]; at: string };
}

/** The shop's API as an OpenAPI 3.0 document: a relative server, so it works at any origin. */
export function demoShopDocument(): Record<string, unknown> {
  const orderId = { name: "orderId", in: "path", required: true, description: "The order number, digits only", schema: { type: "string", pattern: "^\\d{1,12}$" } };
  const problem = { description: "A problem (RFC 9457)", content: { "application/problem+json": { schema: { type: "object" } } } };
  return {
    openapi: "3.0.3",
    info: { title: "Speaknode demo shop", version: "1.0.0", description: "The order API of the embedded default's demo shop (development only)." },
    servers: [{ url: "/dev/demo-shop" }],
    components: {
      securitySchemes: {
        shopKey: { type: "apiKey", in: "query", name: "api_key", description: "The shop's API key (in development: demoShopApiKey in workers/src/dev-shop.ts)" },
      },
    },
    paths: {
      "/orders/{orderId}": {
        get: {
          operationId: "getOrder",
          summary: "Look up the status of an order by its number.",
          security: [],
          parameters: [orderId],
          responses: {
            "200": {
              description: "The order",
              content: { "application/json": { schema: { type: "object", properties: { orderId: { type: "string" }, status: { type: "string" }, items: { type: "integer" } } } } },
            },
            "404": problem,
          },
        },
      },
      "/orders/{orderId}/notes": {
        post: {
          operationId: "addOrderNote",
          summary: "Add a note to an order, such as delivery instructions.",
          security: [{ shopKey: [] }],
          parameters: [orderId],
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  required: ["note"],
                  properties: {
                    note: { type: "string", maxLength: maxNoteLength, description: "What to note, in the caller's words" },
                    tags: { type: "array", maxItems: maxTags, items: { type: "string" }, description: "Labels for the note" },
                  },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "The note was saved",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { orderId: { type: "string" }, note: { type: "string" }, tags: { type: "array", items: { type: "string" } }, saved: { type: "boolean" } },
                  },
                },
              },
            },
            "400": problem,
            "401": problem,
            "404": problem,
            "415": problem,
          },
        },
      },
    },
  };
}

function requireDevTools(c: Context<AppEnv>): void {
  if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
}

function orderIdOf(c: Context<AppEnv>): string {
  const orderId = c.req.param("orderId") ?? "";
  if (!orderIdPattern.test(orderId)) throw new ApiError("not_found", "no such order");
  return orderId;
}

/** The note and tags of a form body, or a 400 naming the field. */
function parseNoteForm(raw: string): { note: string; tags: string[] } {
  const form = new URLSearchParams(raw);
  const note = form.get("note")?.trim() ?? "";
  if (note === "") throw new ApiError("validation_failed", "a note is required", { errors: [{ field: "body.note", message: "required" }] });
  if (note.length > maxNoteLength) throw new ApiError("validation_failed", `a note is at most ${maxNoteLength} characters`, { errors: [{ field: "body.note", message: `at most ${maxNoteLength} characters` }] });
  // Form + explode, the document's default for an array: `tags=a&tags=b`.
  const tags = form.getAll("tags");
  if (tags.length > maxTags) throw new ApiError("validation_failed", `at most ${maxTags} tags`, { errors: [{ field: "body.tags", message: `at most ${maxTags} items` }] });
  return { note, tags };
}

export function registerDevShop(app: OpenAPIHono<AppEnv>): void {
  // Kept in the isolate's memory: a dev tool's scratch pad, gone when the Worker restarts.
  const notes = new Map<string, ReceivedNote>();

  app.get("/dev/demo-shop/openapi.json", (c) => {
    requireDevTools(c);
    return c.json(demoShopDocument());
  });

  app.get("/dev/demo-shop/orders/:orderId", (c) => {
    if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
    const orderId = c.req.param("orderId");
    if (!/^\d{1,12}$/.test(orderId)) throw new ApiError("not_found", "no such order");
    return c.json(demoOrder(orderId));
  });

  const limitNote = bodyLimit({ maxSize: maxNoteBodyBytes, onError: () => { throw new ApiError("payload_too_large", `a note's body is at most ${maxNoteBodyBytes / 1024} KiB`); } });
  app.post("/dev/demo-shop/orders/:orderId/notes", limitNote, async (c) => {
    requireDevTools(c);
    const orderId = orderIdOf(c);
    if (c.req.query("api_key") !== demoShopApiKey) throw new ApiError("unauthorized", "the api_key query parameter is missing or wrong");
    const contentType = c.req.header("content-type") ?? null;
    if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/x-www-form-urlencoded") {
      throw new ApiError("unsupported_media_type", "a note is sent form-encoded (application/x-www-form-urlencoded)");
    }
    // Bytes decoded as UTF-8 (workerd warns when .text() reads a form body).
    const rawBody = new TextDecoder().decode(await c.req.arrayBuffer());
    const { note, tags } = parseNoteForm(rawBody);
    const received: ReceivedNote = { orderId, note, tags, saved: true, received: { contentType, rawBody, queryNames: [...new URL(c.req.url).searchParams.keys()], at: new Date().toISOString() } };
    notes.delete(orderId);
    notes.set(orderId, received);
    if (notes.size > keptOrders) notes.delete(notes.keys().next().value ?? "");
    return c.json({ orderId, note, tags, saved: true });
  });

  app.get("/dev/demo-shop/orders/:orderId/notes", (c) => {
    requireDevTools(c);
    const received = notes.get(orderIdOf(c));
    if (!received) throw new ApiError("not_found", "this order has received no note since the Worker started");
    return c.json(received);
  });
}
