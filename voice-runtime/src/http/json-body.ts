// A JSON request body of the runtime's own HTTP routes (the Worker's calls), read with a size cap
// and parsed with its zod schema; what is wrong is said in one sentence for the caller's logs.
import type { IncomingMessage } from "node:http";
import type { z } from "zod";

export type BodyResult<T> = { ok: true; data: T } | { ok: false; status: 400 | 413; code: "invalid_body" | "body_too_large"; message: string };

export async function readJsonBody<S extends z.ZodType>(req: IncomingMessage, schema: S, maxBytes: number): Promise<BodyResult<z.infer<S>>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk instanceof Buffer ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) return { ok: false, status: 413, code: "body_too_large", message: `The request body is larger than ${maxBytes} bytes.` };
    chunks.push(buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return { ok: false, status: 400, code: "invalid_body", message: "The request body is not JSON." };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    return { ok: false, status: 400, code: "invalid_body", message: `The request body is not valid: ${issues}`.slice(0, 1000) };
  }
  return { ok: true, data: parsed.data };
}
