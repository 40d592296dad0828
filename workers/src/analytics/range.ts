// The one rule for an analytics day range, shared by the read API and the Admin backfill.
import { maxAnalyticsDays } from "@speaknode/contracts";
import { ApiError } from "../errors.ts";
import { daysBetween } from "./days.ts";

/** A validation error naming the offending field under `where` (query, body), or null. */
export function checkDayRange(from: string, to: string, where: "query" | "body"): ApiError | null {
  if (from > to) {
    return new ApiError("validation_failed", "from must not be after to", { errors: [{ field: `${where}.to`, message: `must not be before from (${from})` }] });
  }
  if (daysBetween(from, to) > maxAnalyticsDays) {
    return new ApiError("validation_failed", `the range may cover at most ${maxAnalyticsDays} days`, {
      errors: [{ field: `${where}.from`, message: `at most ${maxAnalyticsDays} days before to` }],
    });
  }
  return null;
}
