// Update bodies are the create shape with every field optional and no defaults: in zod 4 a
// default inside .optional() still fills an absent field, which would make a PATCH overwrite
// what the client did not send.
import { z } from "zod";

type Undefaulted<T> = T extends z.ZodDefault<infer Inner> ? Inner : T;
export type PatchShape<S extends Record<string, z.ZodType>> = { [K in keyof S]: z.ZodOptional<Undefaulted<S[K]>> };

export function patchShape<S extends Record<string, z.ZodType>>(shape: S): PatchShape<S> {
  const out: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape)) {
    out[key] = (schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema).optional();
  }
  return out as PatchShape<S>;
}
