// Webhook signing schemes of the platform (Standard Webhooks; HMAC of a body in one header; bearer
// secrets), shared by the Worker's outbound deliveries and inbound routes. WebCrypto only, so it
// runs in Workers and Node alike; every comparison is constant-time.
export { timingSafeEqual, type HmacAlgorithm } from "./bytes.ts";
export {
  signStandardWebhook,
  standardWebhooksKey,
  standardWebhooksToleranceS,
  verifyStandardWebhook,
  type StandardWebhookHeaders,
  type Verdict,
} from "./standard-webhooks.ts";
export { signHmac, verifyHmacSignature, type HmacSignatureCheck } from "./hmac-header.ts";
export { verifyBearer } from "./bearer.ts";
