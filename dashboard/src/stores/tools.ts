// Webhook tools of the open space: the list (sorted by code, as the API sorts it), one tool, create,
// update, delete, and the OpenAPI import (preview, then confirm). An update sends If-Match with the
// version it was based on, so the API refuses (412) to overwrite someone else's save. Deleting a
// tool agents still use is a 409 naming them: `inUseBy` picks their ids out for the page.
import { batch, signal } from "@preact/signals";
import { FieldError } from "../../../packages/contracts/src/problem.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { ImportToolsResult, SavedTool, Tool, type ImportPreviewItem, type ImportToolsBody } from "../../../packages/contracts/src/tools.ts";
import { z } from "zod";
import { ApiProblem, type Api } from "../api/client.ts";
import type { ToolBody, ToolPatch } from "./tool-form.ts";

// The import route's body and answer, from the contracts (the dashboard always sends `confirm` and
// `secretHeaders`, so the input type's optional defaults are filled in here).
export type ImportRequest = ImportToolsBody & { confirm: boolean; secretHeaders: Record<string, string>; source: { type: "document"; document: string } | { type: "url"; url: string } };
export type PreviewItem = ImportPreviewItem;
export const ImportResult = ImportToolsResult;
export type ImportResult = ImportToolsResult;

export type ToolsEvent =
  | { type: "loading"; spaceId: string }
  | { type: "loaded"; spaceId: string; tools: Tool[] }
  | { type: "saved"; tool: Tool }
  | { type: "deleted"; toolId: string };

const spaceTools = (spaceId: string) => `/v1/spaces/${encodeURIComponent(spaceId)}/tools`;
const toolPath = (toolId: string) => `/v1/tools/${encodeURIComponent(toolId)}`;

export function createToolsStore(api: Api) {
  const store = {
    spaceId: signal<string | null>(null),
    tools: signal<Tool[]>([]),
    loading: signal(false),
  };

  async function load(spaceId: string): Promise<void> {
    applyToolsEvent(store, { type: "loading", spaceId });
    const { data } = await api.json(listOf(Tool), "GET", spaceTools(spaceId));
    applyToolsEvent(store, { type: "loaded", spaceId, tools: data });
  }

  async function get(toolId: string): Promise<Tool> {
    const tool = await api.json(Tool, "GET", toolPath(toolId));
    applyToolsEvent(store, { type: "saved", tool });
    return tool;
  }

  async function create(spaceId: string, body: ToolBody): Promise<SavedTool> {
    const tool = await api.json(SavedTool, "POST", spaceTools(spaceId), { body });
    applyToolsEvent(store, { type: "saved", tool });
    return tool;
  }

  /**
   * PATCH `patch` onto the tool last seen at `baseVersion`; a newer version on the server is a 412.
   * The answer says whether the secret headers were cleared (the URL moved to another origin).
   */
  async function update(toolId: string, patch: ToolPatch, baseVersion: number): Promise<SavedTool> {
    const tool = await api.json(SavedTool, "PATCH", toolPath(toolId), { body: patch, headers: { "if-match": `"${baseVersion}"` } });
    applyToolsEvent(store, { type: "saved", tool });
    return tool;
  }

  async function remove(toolId: string): Promise<void> {
    await api.empty("DELETE", toolPath(toolId));
    applyToolsEvent(store, { type: "deleted", toolId });
  }

  /** Preview (confirm false) or create (confirm true) tools from an OpenAPI document. */
  async function importTools(spaceId: string, request: ImportRequest): Promise<ImportResult> {
    const result = await api.json(ImportResult, "POST", `${spaceTools(spaceId)}/import`, { body: request });
    batch(() => result.created.forEach((tool) => applyToolsEvent(store, { type: "saved", tool })));
    return result;
  }

  return { ...store, load, get, create, update, remove, importTools };
}

export type ToolsStore = ReturnType<typeof createToolsStore>;
type ToolsState = Pick<ToolsStore, "spaceId" | "tools" | "loading">;

export function applyToolsEvent(store: ToolsState, event: ToolsEvent): void {
  batch(() => {
    switch (event.type) {
      case "loading":
        if (store.spaceId.value !== event.spaceId) store.tools.value = [];
        store.spaceId.value = event.spaceId;
        store.loading.value = true;
        break;
      case "loaded":
        if (store.spaceId.value !== event.spaceId) return; // a late answer for a space left meanwhile
        store.tools.value = event.tools;
        store.loading.value = false;
        break;
      case "saved":
        if (event.tool.spaceId !== store.spaceId.value) return;
        store.tools.value = [...store.tools.value.filter((t) => t.id !== event.tool.id), event.tool].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
        break;
      case "deleted":
        store.tools.value = store.tools.value.filter((t) => t.id !== event.toolId);
        break;
    }
  });
}

/** The agents named by a 409 "agents still use this tool" (null for any other error). */
export function inUseBy(err: unknown): string[] | null {
  if (!(err instanceof ApiProblem) || err.code !== "conflict") return null;
  return [...new Set(err.message.match(/\bagt_[0-9a-z]+/g) ?? [])];
}
