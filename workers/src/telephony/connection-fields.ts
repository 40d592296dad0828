// A connection update carries fields of every provider (UpdateTelephonyConnectionBody); those of
// another provider than the connection's are refused with a field error before anything is asked.
import type { FieldError, UpdateTelephonyConnectionBody } from "@speaknode/contracts";
import { ApiError } from "../errors.ts";

export function refuseForeignFields(patch: UpdateTelephonyConnectionBody, allowed: readonly (keyof UpdateTelephonyConnectionBody)[], provider: string): void {
  const errors: FieldError[] = Object.entries(patch)
    .filter(([k, v]) => v !== undefined && k !== "name" && !allowed.includes(k as keyof UpdateTelephonyConnectionBody))
    .map(([k]) => ({ field: `body.${k}`, message: `not a setting of a ${provider} connection` }));
  if (errors.length > 0) throw new ApiError("validation_failed", `some fields do not apply to a ${provider} connection`, { errors });
}
