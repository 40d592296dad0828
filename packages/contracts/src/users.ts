import { z } from "zod";
import { text } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { SpaceRole } from "./spaces.ts";

const timestamp = Timestamp;

export const Me = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("user"),
      id: idSchema("user"),
      email: text(),
      emailVerified: z.boolean(),
      name: text().nullable(),
      isPlatformAdmin: z.boolean(),
      spaces: z.array(z.object({ id: idSchema("space"), name: text(), role: SpaceRole })),
    }),
    z.object({
      type: z.literal("api_key"),
      id: idSchema("apiKey"),
      name: text(),
      spaceId: idSchema("space"),
      role: SpaceRole,
    }),
  ])
  .meta({ id: "Me" });
export type Me = z.infer<typeof Me>;

export const AdminUser = z
  .object({
    id: idSchema("user"),
    email: text(),
    name: text().nullable(),
    isPlatformAdmin: z.boolean(),
    spaceCount: z.number().int(),
    createdAt: timestamp,
    lastLoginAt: timestamp.nullable(),
  })
  .meta({ id: "AdminUser" });
export type AdminUser = z.infer<typeof AdminUser>;
