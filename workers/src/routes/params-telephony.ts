import { z } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";

export const ConnectionParams = z.object({ connectionId: idSchema("telephonyConnection") });
export const PhoneNumberParams = z.object({ phoneNumberId: idSchema("phoneNumber") });
export const CampaignParams = z.object({ campaignId: idSchema("campaign") });
export const CampaignItemParams = z.object({ campaignId: idSchema("campaign"), itemId: idSchema("campaignItem") });
