import { describe, expect, it } from "vitest";
import { colourIssue, previewColour } from "./widget-colours.ts";

describe("widget colours in the editor's preview", () => {
  it("refuses a named colour such as teal at once, the way saving and the widget do", () => {
    expect(colourIssue("teal")).toMatch(/#rrggbb/);
    expect(colourIssue("#008080")).toBeUndefined();
    expect(colourIssue("#08f")).toMatch(/#rrggbb/);
  });

  it("previews the default instead of a colour that would be refused", () => {
    expect(previewColour("primaryColor", "teal")).toBe("#3b5bdb");
    expect(previewColour("backgroundColor", "rgb(0,0,0)")).toBe("#ffffff");
    expect(previewColour("primaryColor", "#008080")).toBe("#008080");
  });
});
