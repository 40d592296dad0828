import { z } from "@hono/zod-openapi";
import { idSchema } from "@speaknode/contracts";

// Path params of the webhooks API (/v1/spaces/{spaceId}/webhooks/…), shared by the outbound
// endpoint/delivery routes, the inbound route routes and the inbound log.
export const SpaceWebhookParams = z.object({ spaceId: idSchema("space") });
export const EndpointParams = z.object({ spaceId: idSchema("space"), endpointId: idSchema("webhookEndpoint") });
export const DeliveryParams = z.object({ spaceId: idSchema("space"), deliveryId: idSchema("webhookDelivery") });
export const RouteParams = z.object({ spaceId: idSchema("space"), routeId: idSchema("inboundRoute") });
