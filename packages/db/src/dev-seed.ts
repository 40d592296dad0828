// Identities of the built-in development OIDC issuer and the demo data `npm run dev` seeds.
// Development only: the issuer that knows these users is enabled by configuration alone.
import { and, eq } from "drizzle-orm";
import type { Database } from "./client.ts";
import { AgentConfig } from "@speaknode/contracts";
import { memberships, spaces, users } from "./schema.ts";
import { agents, agentVersions, tools } from "./schema-agents.ts";
import { plans, subscriptions } from "./schema-billing.ts";

export interface DevIdentity {
  sub: string;
  email: string;
  name: string;
  roles: string[];
}

/** Every dev identity signs in with this password through the password grant. */
export const devPassword = "speaknode";

export const devIdentities: DevIdentity[] = [
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a01", email: "owner@speaknode.local", name: "Olivia Owner", roles: [] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a02", email: "member@speaknode.local", name: "Milo Member", roles: [] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a03", email: "admin@speaknode.local", name: "Ada Admin", roles: ["platform-admin"] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a04", email: "guest@speaknode.local", name: "Gus Guest", roles: [] },
];

export const demoSpaceId = "spc_000000000000000000000000d1";
export const demoAgentId = "agt_000000000000000000000000d1";
export const demoToolId = "tol_000000000000000000000000d1";
/** The seeded plan the demo space is subscribed to: its campaigns, numbers and concurrent calls
 *  fit the demos, while spaces made later start on BILLING_DEFAULT_PLAN (free). */
export const demoPlanCode = "pro";

/** The simulated Twilio account of the embedded default (simulators/twilio), its connection in
 *  the demo space and its one number, bound to the demo agent. */
export const demoTwilioAccountSid = "AC00000000000000000000000000000d1a";
export const demoTelephonyConnectionId = "tcn_000000000000000000000000d1";
export const demoPhoneNumberId = "pnm_000000000000000000000000d1";
export const demoPhoneNumberSid = "PN00000000000000000000000000000d1a";
export const demoPhoneNumber = "+15555550100";
/** The demo space's simulated VoxImplant account (simulators/voximplant), its application, routing
 *  rule and number, bound to the demo agent like the Twilio one. */
export const demoVoximplantAccountId = "9000001";
export const demoVoximplantApplicationId = 7000001;
export const demoVoximplantRuleId = 8000001;
export const demoVoximplantConnectionId = "tcn_000000000000000000000000d2";
export const demoVoximplantNumberId = "pnm_000000000000000000000000d2";
export const demoVoximplantPhoneId = "6000001";
export const demoVoximplantNumber = "+15555550200";
/** A simulated phone outbound calls of the demo reach (the simulator answers it). */
export const demoCalleeNumber = "+15555550199";

/** The demo shop's order lookup (served by the Worker's /dev/demo-shop when dev tools are on). */
function demoTool(baseUrl: string) {
  return {
    id: demoToolId,
    spaceId: demoSpaceId,
    code: "check_order",
    description: "Look up the status of a customer's order by its number.",
    method: "GET" as const,
    url: `${baseUrl}/dev/demo-shop/orders/{orderId}`,
    headersSchema: null,
    bodySchema: { type: "object", properties: { orderId: { type: "string", description: "The order number, digits only" } }, required: ["orderId"] },
    headers: {},
    secretHeaderNames: [],
    timeoutMs: 5000,
    preToolSpeech: "Let me look that up.",
    progressSpeech: null,
    transferRules: [],
  };
}

/** The demo agent runs entirely on the offline providers of the embedded default. */
export const demoAgentConfig = AgentConfig.parse({
  name: "Demo receptionist",
  systemPrompt:
    "You are the receptionist of Speaknode's demo shop. Greet {{customer_name}} by name, answer briefly, and check an order with the check_order tool when asked.",
  temperature: 0,
  llm: { provider: "scripted", model: "demo" },
  stt: { provider: "pocketsphinx", model: "en-us" },
  defaultLanguage: "en-US",
  locales: [
    {
      language: "en-US",
      firstMessage: "Hello {{customer_name}}! This is the Speaknode demo. I can check an order for you.",
      tts: { provider: "flite", model: "flite", voice: "rms" },
    },
  ],
  variables: { type: "object", properties: { customer_name: { type: "string", description: "How to greet the caller", default: "there" } }, required: [] },
  tools: [{ type: "webhook", toolId: demoToolId }, { type: "system", name: "end_call" }],
  widget: { displayName: "Speaknode demo", launcherText: "Talk to the demo" },
  // The demo's simulated callers speak with flite, whose flat voice the end-of-turn model often
  // hears as unfinished ("…number forty two": 0.29 against 0.36): a shorter wait than the default
  // 2.5 s keeps such a turn under 1.5 s while a real mid-sentence pause still gets 1.5 s.
  turn: { maxEndpointingDelayMs: 1500 },
});

/** Ensures the demo space (Owner, Member) and its published demo agent exist; safe on every start. */
export async function seedDemo(db: Database, issuer: string, newUserId: () => string): Promise<{ spaceId: string; agentId: string }> {
  const ids = new Map<string, string>();
  for (const who of devIdentities.slice(0, 3)) {
    const [row] = await db
      .insert(users)
      .values({
        id: newUserId(),
        oidcIssuer: issuer,
        oidcSubject: who.sub,
        email: who.email,
        emailVerified: true,
        name: who.name,
        isPlatformAdmin: who.roles.includes("platform-admin"),
      })
      .onConflictDoUpdate({ target: [users.oidcIssuer, users.oidcSubject], set: { email: who.email } })
      .returning({ id: users.id });
    if (row) ids.set(who.email, row.id);
  }
  await db.insert(spaces).values({ id: demoSpaceId, name: "Demo space" }).onConflictDoNothing();
  // Written once: a plan the Owner picks later on the billing page survives every restart.
  const [plan] = await db.select({ id: plans.id }).from(plans).where(eq(plans.code, demoPlanCode));
  if (plan) await db.insert(subscriptions).values({ spaceId: demoSpaceId, planId: plan.id }).onConflictDoNothing();
  const roles: [string, "owner" | "member"][] = [
    ["owner@speaknode.local", "owner"],
    ["member@speaknode.local", "member"],
  ];
  for (const [email, role] of roles) {
    const userId = ids.get(email);
    if (!userId) continue;
    const existing = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.spaceId, demoSpaceId), eq(memberships.userId, userId)));
    if (existing.length === 0) await db.insert(memberships).values({ spaceId: demoSpaceId, userId, role });
  }
  const baseUrl = issuer.replace(/\/dev\/oidc\/?$/, "");
  const tool = demoTool(baseUrl);
  const now = new Date();
  await db.insert(tools).values({ ...tool, createdAt: now, updatedAt: now }).onConflictDoNothing();
  const { name, ...config } = demoAgentConfig;
  const [created] = await db.insert(agents).values({ id: demoAgentId, spaceId: demoSpaceId, name, config, publishedVersion: 1 }).onConflictDoNothing().returning({ id: agents.id });
  if (created) {
    const snapshotTool = { ...tool, kind: "webhook", version: 1, parameterLocations: null, createdAt: now.toISOString(), updatedAt: now.toISOString() };
    await db.insert(agentVersions).values({ id: "agv_000000000000000000000000d1", agentId: demoAgentId, version: 1, snapshot: { agent: demoAgentConfig, tools: [snapshotTool] }, note: "seeded demo" });
  }
  return { spaceId: demoSpaceId, agentId: demoAgentId };
}
