import { z } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";

export const SpaceParams = z.object({ spaceId: idSchema("space") });
export const MemberParams = z.object({ spaceId: idSchema("space"), userId: idSchema("user") });
export const InvitationParams = z.object({ invitationId: idSchema("invitation") });
export const ApiKeyParams = z.object({ apiKeyId: idSchema("apiKey") });
