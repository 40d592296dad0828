// The runtime asks for a cold transfer of its phone call to a destination of the session's
// transfer_to_number tool, by name; the number comes from the session's own configuration.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RuntimePhoneTransferBody, RuntimePhoneTransferResult } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { limitJsonBody, runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";
import { transferCall } from "../telephony/transfer.ts";

export const route = createRoute({
  method: "post",
  path: "/runtime/v1/sessions/{sessionId}/phone/transfer",
  tags: ["runtime"],
  summary: "Transfer the session's phone call to a destination of its transfer_to_number tool (cold transfer)",
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { params: RuntimeSessionParams, body: jsonBody(RuntimePhoneTransferBody) },
  responses: {
    200: jsonResponse(RuntimePhoneTransferResult, "The provider is dialling the destination; the agent's media stream ends"),
    ...runtimeErrorResponses,
    404: problemSpec("No such session, or the session's configuration has no destination of that name"),
    409: problemSpec("The session is not a live phone call"),
    413: problemSpec("The body is larger than 256 KiB"),
    429: problemSpec("The provider is rate limiting (Retry-After)"),
    502: problemSpec("The provider refused the request or the connection's credentials"),
    503: problemSpec("The provider is unreachable or failing (Retry-After)"),
  },
});

export function registerRuntimePhoneTransfer(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const session = await loadRuntimeSession(c, c.req.valid("param").sessionId);
    await transferCall(c, session, c.req.valid("json").destination);
    return c.json({ transferred: true as const }, 200);
  });
}
