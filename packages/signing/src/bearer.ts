// `Authorization: Bearer <secret>`: the simplest shared-secret check, compared in constant time.
import { timingSafeEqual } from "./bytes.ts";

export function verifyBearer(secret: string, authorization: string | null | undefined): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? "");
  return !!match && timingSafeEqual(match[1]!, secret);
}
