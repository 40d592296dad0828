CREATE TYPE "public"."billing_interval" AS ENUM('monthly', 'yearly');--> statement-breakpoint
CREATE TYPE "public"."invoice_source" AS ENUM('ledger', 'lago');--> statement-breakpoint
CREATE TYPE "public"."invoice_status" AS ENUM('draft', 'open', 'paid', 'failed', 'void');--> statement-breakpoint
CREATE TYPE "public"."rounding_rule" AS ENUM('per_call_minute', 'per_second');--> statement-breakpoint
CREATE TYPE "public"."subscription_status" AS ENUM('active', 'past_due', 'canceled');--> statement-breakpoint
CREATE TABLE "domain_events" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"type" varchar(100) NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"source" "invoice_source" NOT NULL,
	"number" varchar(60) NOT NULL,
	"status" "invoice_status" NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"currency" varchar(3) NOT NULL,
	"plan_id" text,
	"plan_name" varchar(100),
	"lines" jsonb NOT NULL,
	"used_seconds" integer DEFAULT 0 NOT NULL,
	"total" numeric(12, 4) NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"lago_invoice_id" varchar(100),
	"pdf_url" varchar(2000),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"id" text PRIMARY KEY NOT NULL,
	"code" varchar(60) NOT NULL,
	"name" varchar(100) NOT NULL,
	"description" varchar(500) DEFAULT '' NOT NULL,
	"currency" varchar(3) NOT NULL,
	"interval" "billing_interval" NOT NULL,
	"price" numeric(12, 4) NOT NULL,
	"included_minutes" integer NOT NULL,
	"overage_price_per_minute" numeric(12, 4),
	"rounding" "rounding_rule" NOT NULL,
	"features" jsonb NOT NULL,
	"limits" jsonb NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"space_id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"status" "subscription_status" DEFAULT 'active' NOT NULL,
	"time_zone" varchar(64) DEFAULT 'UTC' NOT NULL,
	"pending_plan_id" text,
	"pending_effective_at" timestamp with time zone,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lago_plan_code" varchar(60),
	"lago_synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_alerts" (
	"space_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"threshold_percent" integer NOT NULL,
	"used_seconds" integer NOT NULL,
	"included_seconds" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_alerts_space_id_period_start_threshold_percent_pk" PRIMARY KEY("space_id","period_start","threshold_percent")
);
--> statement-breakpoint
CREATE TABLE "usage_records" (
	"session_id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"agent_id" text,
	"channel" varchar(20) NOT NULL,
	"direction" varchar(10),
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"raw_seconds" integer NOT NULL,
	"billable_seconds" integer NOT NULL,
	"plan_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lago_sent_at" timestamp with time zone,
	"lago_attempts" integer DEFAULT 0 NOT NULL,
	"lago_last_error" varchar(500)
);
--> statement-breakpoint
ALTER TABLE "inbound_webhook_log" ALTER COLUMN "provider" SET DATA TYPE varchar(30);--> statement-breakpoint
ALTER TABLE "domain_events" ADD CONSTRAINT "domain_events_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invoices" ADD CONSTRAINT "invoices_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_pending_plan_id_plans_id_fk" FOREIGN KEY ("pending_plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_alerts" ADD CONSTRAINT "usage_alerts_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_records" ADD CONSTRAINT "usage_records_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "domain_events_space_idx" ON "domain_events" USING btree ("space_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_uq" ON "invoices" USING btree ("source","number");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_ledger_period_uq" ON "invoices" USING btree ("space_id","period_start") WHERE "invoices"."source" = 'ledger';--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_lago_id_uq" ON "invoices" USING btree ("lago_invoice_id");--> statement-breakpoint
CREATE INDEX "invoices_space_issued_idx" ON "invoices" USING btree ("space_id","issued_at");--> statement-breakpoint
CREATE UNIQUE INDEX "plans_code_uq" ON "plans" USING btree ("code");--> statement-breakpoint
CREATE INDEX "usage_records_space_period_idx" ON "usage_records" USING btree ("space_id","period_start","ended_at");--> statement-breakpoint
CREATE INDEX "usage_records_lago_unsent_idx" ON "usage_records" USING btree ("created_at") WHERE "usage_records"."lago_sent_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_space_live_idx" ON "sessions" USING btree ("space_id") WHERE "sessions"."status" in ('pending', 'dispatching', 'active');--> statement-breakpoint
CREATE SEQUENCE "billing_invoice_number_seq";--> statement-breakpoint
-- The plans every platform starts with (the platform Admin edits them, or adds more). Spaces without
-- a subscription row are on BILLING_DEFAULT_PLAN (default `free`).
INSERT INTO "plans" ("id", "code", "name", "description", "currency", "interval", "price", "included_minutes", "overage_price_per_minute", "rounding", "features", "limits") VALUES
  ('pln_00000000000000000000000001', 'free', 'Free', 'Try Speaknode: web and phone calls, one number, no overage.', 'USD', 'monthly', 0, 60, NULL, 'per_call_minute',
   '{"telephony": true, "campaigns": false, "byoProviderKeys": false}', '{"agents": 3, "phoneNumbers": 1, "concurrentCalls": 2, "campaigns": 0}'),
  ('pln_00000000000000000000000002', 'pro', 'Pro', 'For production agents: campaigns, your own provider keys, per-second billing.', 'USD', 'monthly', 49, 1000, 0.05, 'per_second',
   '{"telephony": true, "campaigns": true, "byoProviderKeys": true}', '{"agents": 25, "phoneNumbers": 10, "concurrentCalls": 20, "campaigns": 50}'),
  ('pln_00000000000000000000000003', 'scale', 'Scale', 'High volume: many numbers and concurrent calls, lower overage.', 'USD', 'monthly', 399, 10000, 0.03, 'per_second',
   '{"telephony": true, "campaigns": true, "byoProviderKeys": true}', '{"agents": null, "phoneNumbers": 200, "concurrentCalls": 200, "campaigns": null}');
