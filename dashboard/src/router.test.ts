// The router's URL → route mapping and back, without a DOM (history is a small fake).
import { describe, expect, it } from "vitest";
import { adminPath, campaignPath, campaignWizardPath, createRouter, matchRoute, spacePath, toolPath, type HistoryLike } from "./router.ts";

describe("matchRoute", () => {
  it("maps every dashboard path", () => {
    expect(matchRoute("/app/", "")).toEqual({ name: "home" });
    expect(matchRoute("/app", "")).toEqual({ name: "home" });
    expect(matchRoute("/app/signin/callback", "?code=x&state=y")).toEqual({ name: "callback" });
    expect(matchRoute("/app/invitations/accept", "?token=abc%2Bdef")).toEqual({ name: "acceptInvitation", token: "abc+def" });
    expect(matchRoute("/app/invitations/accept", "")).toEqual({ name: "acceptInvitation", token: null });
    expect(matchRoute("/app/spaces/spc_1/agents", "")).toEqual({ name: "agents", spaceId: "spc_1" });
    expect(matchRoute("/app/spaces/spc_1/members/", "")).toEqual({ name: "members", spaceId: "spc_1" });
    expect(matchRoute("/app/spaces/spc_1/api-keys", "")).toEqual({ name: "apiKeys", spaceId: "spc_1" });
  });

  it("refuses unknown pages and paths outside /app/", () => {
    expect(matchRoute("/app/spaces/spc_1/toString", "").name).toBe("notFound");
    expect(matchRoute("/app/spaces/spc_1", "").name).toBe("notFound");
    expect(matchRoute("/v1/spaces", "").name).toBe("notFound");
    expect(matchRoute("/application", "").name).toBe("notFound");
  });

  it("maps a space's settings and the platform Admin's pages, and back", () => {
    expect(matchRoute("/app/spaces/spc_1/settings", "")).toEqual({ name: "settings", spaceId: "spc_1" });
    expect(matchRoute(spacePath("spc_1", "settings"), "")).toEqual({ name: "settings", spaceId: "spc_1" });
    expect(matchRoute(adminPath("users"), "")).toEqual({ name: "adminUsers" });
    expect(matchRoute(adminPath("catalog"), "")).toEqual({ name: "adminCatalog" });
    expect(matchRoute("/app/admin/spaces", "").name).toBe("notFound");
  });

  it("maps a space's tools list and the tool editor (\"new\" for a tool not created yet), and back", () => {
    expect(matchRoute("/app/spaces/spc_1/tools", "")).toEqual({ name: "tools", spaceId: "spc_1" });
    expect(matchRoute(spacePath("spc_1", "tools"), "")).toEqual({ name: "tools", spaceId: "spc_1" });
    expect(matchRoute("/app/spaces/spc_1/tools/tol_2", "")).toEqual({ name: "toolEditor", spaceId: "spc_1", toolId: "tol_2" });
    expect(matchRoute(toolPath("spc_1", "new"), "")).toEqual({ name: "toolEditor", spaceId: "spc_1", toolId: "new" });
    expect(toolPath("spc_1", "tol_2")).toBe("/app/spaces/spc_1/tools/tol_2");
    expect(matchRoute("/app/spaces/spc_1/tools/tol_2/x", "").name).toBe("notFound");
  });

  it("maps a space's telephony page, and back", () => {
    expect(matchRoute("/app/spaces/spc_1/telephony", "")).toEqual({ name: "telephony", spaceId: "spc_1" });
    expect(spacePath("spc_1", "telephony")).toBe("/app/spaces/spc_1/telephony");
  });

  it("round-trips spacePath", () => {
    for (const page of ["agents", "members", "apiKeys", "telephony"] as const) {
      expect(matchRoute(spacePath("spc_x", page), "")).toEqual({ name: page, spaceId: "spc_x" });
    }
  });
});

describe("createRouter", () => {
  it("navigates, replaces and follows popstate", () => {
    let onPop = () => {};
    const stack: string[] = ["/app/"];
    const win: HistoryLike = {
      location: { pathname: "/app/", search: "" },
      history: {
        pushState: (_d, _u, url) => void (stack.push(url), setUrl(url)),
        replaceState: (_d, _u, url) => void ((stack[stack.length - 1] = url), setUrl(url)),
      },
      addEventListener: (_t, fn) => void (onPop = fn),
    };
    function setUrl(url: string) {
      const u = new URL(url, "http://x");
      win.location = { pathname: u.pathname, search: u.search };
    }
    const router = createRouter(win);
    expect(router.route.value).toEqual({ name: "home" });
    router.navigate("/app/spaces/spc_a/agents", { replace: true });
    expect(stack).toEqual(["/app/spaces/spc_a/agents"]);
    router.navigate("/app/invitations/accept?token=t");
    expect(router.route.value).toEqual({ name: "acceptInvitation", token: "t" });
    expect(router.here()).toBe("/app/invitations/accept?token=t");
    setUrl("/app/spaces/spc_a/members");
    onPop();
    expect(router.route.value).toEqual({ name: "members", spaceId: "spc_a" });
  });
});

describe("campaign routes", () => {
  it("maps the list, the wizard (with a draft to continue) and a campaign's page, and back", () => {
    expect(matchRoute(spacePath("spc_1", "campaigns"), "")).toEqual({ name: "campaigns", spaceId: "spc_1" });
    expect(matchRoute("/app/spaces/spc_1/campaigns/new", "")).toEqual({ name: "campaignNew", spaceId: "spc_1", draftId: null });
    const wizard = new URL(campaignWizardPath("spc_1", "cmp_1"), "http://x");
    expect(matchRoute(wizard.pathname, wizard.search)).toEqual({ name: "campaignNew", spaceId: "spc_1", draftId: "cmp_1" });
    expect(matchRoute(campaignPath("spc_1", "cmp_2"), "")).toEqual({ name: "campaign", spaceId: "spc_1", campaignId: "cmp_2" });
  });
});
