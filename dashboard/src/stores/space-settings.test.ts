// The space settings store without a DOM: renaming with the contract's and the API's errors,
// deleting behind the typed name, and the spaces store (the switcher's list) following both.
import { describe, expect, it } from "vitest";
import type { Space } from "../../../packages/contracts/src/spaces.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json, memoryStorage, noContent, problem, type Recorded } from "../test-support.ts";
import { pageAfterSwitch } from "./permissions.ts";
import { createSpaceSettingsStore, deleteConfirmed } from "./space-settings.ts";
import { createSpacesStore } from "./spaces.ts";

const at = "2026-11-01T10:00:00.000Z";
const space = (name: string, role: Space["role"] = "owner"): Space => ({ id: ids.space(), name, role, maxConcurrentCalls: 10, createdAt: at, updatedAt: at });

function setup(handler: (req: Recorded) => Response | Promise<Response>, list: Space[]) {
  const fetch = fakeFetch((req) => (req.method === "GET" ? json({ data: list }) : handler(req)));
  const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
  const storage = memoryStorage();
  const spaces = createSpacesStore(api, storage);
  const settings = createSpaceSettingsStore(spaces);
  return { fetch, spaces, settings, storage };
}

describe("space settings store", () => {
  it("renames through PATCH and the switcher's list shows the new name in order", async () => {
    const [a, b] = [space("Alpha"), space("Beta")];
    const { spaces, settings, fetch } = setup((req) => json({ ...a, name: JSON.parse(req.body ?? "{}").name }), [a, b]);
    await spaces.load();
    const renamed = await settings.rename(a.id, "  Zulu ");
    expect(fetch.requests.at(-1)).toMatchObject({ method: "PATCH", url: `/v1/spaces/${a.id}`, body: JSON.stringify({ name: "Zulu" }) });
    expect(renamed?.name).toBe("Zulu");
    expect(settings.saved.value).toBe(true);
    expect(spaces.spaces.value.map((s) => s.name)).toEqual(["Beta", "Zulu"]);
  });

  it("shows the contract's error under the name field without calling the API", async () => {
    const a = space("Alpha");
    const { spaces, settings, fetch } = setup(() => json(a), [a]);
    await spaces.load();
    expect(await settings.rename(a.id, "   ")).toBeNull();
    expect(settings.fields.value).toEqual({ name: "must not be empty" });
    expect(fetch.requests.filter((r) => r.method === "PATCH")).toEqual([]);
    expect(await settings.rename(a.id, "x".repeat(101))).toBeNull();
    expect(settings.fields.value["name"]).toMatch(/at most 100/);
  });

  it("shows the API's problem: field errors by field, others as a message", async () => {
    const a = space("Alpha", "member");
    let answer = problem("validation_failed", 400, "the request did not pass validation", [{ field: "body.name", message: "is taken" }]);
    const { spaces, settings } = setup(() => answer, [a]);
    await spaces.load();
    await settings.rename(a.id, "Beta");
    expect(settings.fields.value).toEqual({ name: "is taken" });
    answer = problem("forbidden", 403, "this needs the Owner role");
    await settings.rename(a.id, "Beta");
    expect(settings.fields.value).toEqual({});
    expect(settings.message.value).toBe("this needs the Owner role");
    expect(spaces.spaces.value[0]?.name).toBe("Alpha");
  });

  it("deletes only once the space's name is typed, then lands on another space", async () => {
    const [a, b] = [space("Alpha"), space("Beta")];
    const { spaces, settings, fetch } = setup(() => noContent(), [a, b]);
    await spaces.load();
    spaces.open(a.id);
    expect(await settings.remove(a, "alpha")).toBeUndefined();
    expect(settings.deleteError.value).toMatch(/Alpha/);
    expect(fetch.requests.some((r) => r.method === "DELETE")).toBe(false);
    expect(await settings.remove(a, " Alpha ")).toBe(b.id);
    expect(fetch.requests.at(-1)).toMatchObject({ method: "DELETE", url: `/v1/spaces/${a.id}` });
    expect(spaces.spaces.value).toEqual([b]);
    expect(spaces.currentId.value).toBeNull();
  });

  it("answers null after deleting the last space, so the create-space screen shows", async () => {
    const a = space("Only");
    const { spaces, settings } = setup(() => noContent(), [a]);
    await spaces.load();
    expect(await settings.remove(a, "Only")).toBeNull();
    expect(spaces.spaces.value).toEqual([]);
  });

  it("keeps the space when the API refuses the delete, saying why", async () => {
    const a = space("Alpha");
    const { spaces, settings } = setup(() => problem("forbidden", 403, "this needs the Owner role"), [a]);
    await spaces.load();
    expect(await settings.remove(a, "Alpha")).toBeUndefined();
    expect(settings.deleteError.value).toBe("this needs the Owner role");
    expect(spaces.spaces.value).toEqual([a]);
  });

  it("matches the confirmation exactly, apart from surrounding spaces", () => {
    expect(deleteConfirmed({ name: "Team A" }, "Team A ")).toBe(true);
    expect(deleteConfirmed({ name: "Team A" }, "team a")).toBe(false);
    expect(deleteConfirmed({ name: "Team A" }, "")).toBe(false);
  });
});

describe("the space switcher", () => {
  it("keeps Owner-only pages only when switching to a space one owns", () => {
    expect(pageAfterSwitch("settings", "owner")).toBe("settings");
    expect(pageAfterSwitch("settings", "member")).toBe("agents");
    expect(pageAfterSwitch("apiKeys", "member")).toBe("agents");
    expect(pageAfterSwitch("members", "member")).toBe("members");
    expect(pageAfterSwitch("agentEditor", "owner")).toBe("agents");
    expect(pageAfterSwitch("adminUsers", "owner")).toBe("agents");
  });
});
