// What the middleware puts on the Hono context, declared once for every handler.
import type { Database } from "@speaknode/db";
import type { SpaceRole } from "@speaknode/contracts";
import type { Config } from "./config.ts";
import type { WorkerEnv } from "./env.ts";

export interface UserPrincipal {
  type: "user";
  userId: string;
  email: string;
  emailVerified: boolean;
  name: string | null;
  isPlatformAdmin: boolean;
}

export interface ApiKeyPrincipal {
  type: "api_key";
  apiKeyId: string;
  name: string;
  spaceId: string;
  /** API keys act with Member rights inside their one space. */
  role: SpaceRole;
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export type Bindings = WorkerEnv;

export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: Config;
    db: Database;
    principal: Principal;
  };
};

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}
