// The link in invitation emails (`/invitations/accept?token=…`) opens the dashboard's accept page,
// which signs the invitee in and joins the space; the query string (the token) goes along.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";

export function registerInvitationLink(app: OpenAPIHono<AppEnv>): void {
  app.get("/invitations/accept", (c) => {
    const search = new URL(c.req.url).search;
    return c.redirect(`/app/invitations/accept${search}`, 302);
  });
}
