// A saved endpoint as the API answers it, for the Webhooks stores' tests: an enabled endpoint of
// `spaceId` receiving every event type, without custom headers, changed as a test needs.
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";

export const testNow = "2026-03-01T10:00:00.000Z";

export function testEndpoint(spaceId: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: newId("webhookEndpoint"),
    spaceId,
    url: "https://example.com/hook",
    description: "",
    eventTypes: [],
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    headerNames: [],
    secretHint: "abcd",
    previousSecretExpiresAt: null,
    failingSince: null,
    lastSuccessAt: null,
    createdAt: testNow,
    updatedAt: testNow,
    ...over,
  };
}
