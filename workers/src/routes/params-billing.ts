import { z } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";

export const PlanParams = z.object({ planId: idSchema("plan") });
export const InvoiceParams = z.object({ invoiceId: idSchema("invoice") });
