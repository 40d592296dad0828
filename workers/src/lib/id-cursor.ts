// Opaque page cursors over time-ordered ids (ULID layout: newest first is descending id, and a
// page resumes after the last id it showed). The cursor wraps the id with a tag of its list, so
// clients treat it as a token and a cursor of one list is refused by another.
import { idSchema, type IdKind } from "@speaknode/contracts";
import { ApiError } from "../errors.ts";

export interface IdCursor {
  encode(id: string): string;
  /** The id a cursor resumes after; 400 validation_failed for anything this API did not give. */
  decode(cursor: string): string;
  /** A page of rows fetched newest first with `limit + 1`: the rows shown and the next page's cursor (null on the last). */
  page<R extends { id: string }>(rows: R[], limit: number): { rows: R[]; nextCursor: string | null };
}

export function idCursor(tag: string, kind: IdKind): IdCursor {
  const ids = idSchema(kind);
  const encode = (id: string): string => btoa(`${tag}:${id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return {
    encode,
    page: (rows, limit) => {
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return { rows: shown, nextCursor: rows.length > limit && last ? encode(last.id) : null };
    },
    decode: (cursor) => {
      let decoded = "";
      try {
        decoded = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
      } catch {
        decoded = "";
      }
      const id = decoded.startsWith(`${tag}:`) ? decoded.slice(tag.length + 1) : "";
      if (!ids.safeParse(id).success) {
        throw new ApiError("validation_failed", "the cursor is not one this API gave", { errors: [{ field: "query.cursor", message: "must be a nextCursor of a previous page" }] });
      }
      return id;
    },
  };
}
