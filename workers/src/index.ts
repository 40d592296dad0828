import { createApp } from "./app.ts";

export { SessionRoom } from "../../durable-objects/session-room/index.ts";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Record<string, unknown>>;
export { RateLimiter } from "../../durable-objects/rate-limiter/index.ts";
