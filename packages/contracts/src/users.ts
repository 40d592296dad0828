import { z } from "zod";
import { idSchema, Timestamp } from "./ids.ts";
import { SpaceRole } from "./spaces.ts";

const timestamp = Timestamp;

export const Me = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("user"),
      id: idSchema("user"),
      email: z.string(),
      emailVerified: z.boolean(),
      name: z.string().nullable(),
      isPlatformAdmin: z.boolean(),
      spaces: z.array(z.object({ id: idSchema("space"), name: z.string(), role: SpaceRole })),
    }),
    z.object({
      type: z.literal("api_key"),
      id: idSchema("apiKey"),
      name: z.string(),
      spaceId: idSchema("space"),
      role: SpaceRole,
    }),
  ])
  .meta({ id: "Me" });
export type Me = z.infer<typeof Me>;

export const AdminUser = z
  .object({
    id: idSchema("user"),
    email: z.string(),
    name: z.string().nullable(),
    isPlatformAdmin: z.boolean(),
    spaceCount: z.number().int(),
    createdAt: timestamp,
    lastLoginAt: timestamp.nullable(),
  })
  .meta({ id: "AdminUser" });
export type AdminUser = z.infer<typeof AdminUser>;
