import { describe, expect, it } from "vitest";
import { tabForKey } from "./tab-keys.ts";

const ids = ["general", "languages", "models"] as const;

describe("tabForKey", () => {
  it("moves right and left, wrapping at both ends", () => {
    expect(tabForKey(ids, "general", "ArrowRight")).toBe("languages");
    expect(tabForKey(ids, "models", "ArrowRight")).toBe("general");
    expect(tabForKey(ids, "general", "ArrowLeft")).toBe("models");
    expect(tabForKey(ids, "languages", "ArrowLeft")).toBe("general");
  });

  it("jumps to the first tab with Home and the last with End", () => {
    expect(tabForKey(ids, "languages", "Home")).toBe("general");
    expect(tabForKey(ids, "languages", "End")).toBe("models");
  });

  it("leaves other keys (Tab, Enter, letters) to the browser", () => {
    for (const key of ["Tab", "Enter", " ", "a", "ArrowDown"]) expect(tabForKey(ids, "general", key)).toBeNull();
    expect(tabForKey([], "general", "ArrowRight")).toBeNull();
  });
});
