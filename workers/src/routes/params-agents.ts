import { z } from "@hono/zod-openapi";
import { idSchema, int4Max } from "@speaknode/contracts";

export const AgentParams = z.object({ agentId: idSchema("agent") });
// Bounded by the int4 column it is compared with: a larger number is a 400, not a database error.
export const AgentVersionParams = z.object({ agentId: idSchema("agent"), version: z.coerce.number().int().min(1).max(int4Max) });
export const ToolParams = z.object({ toolId: idSchema("tool") });
export const CatalogModelParams = z.object({ modelId: idSchema("catalogModel") });
