import { z } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";

export const AgentParams = z.object({ agentId: idSchema("agent") });
export const AgentVersionParams = z.object({ agentId: idSchema("agent"), version: z.coerce.number().int().min(1) });
export const ToolParams = z.object({ toolId: idSchema("tool") });
export const CatalogModelParams = z.object({ modelId: idSchema("catalogModel") });
