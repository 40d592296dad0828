CREATE TYPE "public"."campaign_item_status" AS ENUM('pending', 'scheduled', 'in_progress', 'completed', 'failed', 'skipped', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."campaign_status" AS ENUM('draft', 'running', 'paused', 'completed', 'cancelled');--> statement-breakpoint
CREATE TABLE "campaign_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"item_id" text NOT NULL,
	"attempt_number" integer NOT NULL,
	"state" varchar(20) DEFAULT 'created' NOT NULL,
	"session_id" text,
	"phone_number_id" text,
	"outcome" varchar(20),
	"error" varchar(500),
	"duration_s" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dialed_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "campaign_items" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"space_id" text NOT NULL,
	"row_number" integer NOT NULL,
	"phone" varchar(16) NOT NULL,
	"variables" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"time_zone" varchar(64),
	"status" "campaign_item_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_outcome" varchar(20),
	"last_error" varchar(500),
	"last_session_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"agent_version" integer,
	"name" varchar(200) NOT NULL,
	"status" "campaign_status" DEFAULT 'draft' NOT NULL,
	"settings" jsonb NOT NULL,
	"contact_mapping" jsonb,
	"cancel_mode" varchar(20),
	"item_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"launched_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "spaces" ADD COLUMN "max_concurrent_calls" integer DEFAULT 10 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "campaign_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "campaign_attempt_id" text;--> statement-breakpoint
ALTER TABLE "campaign_attempts" ADD CONSTRAINT "campaign_attempts_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_attempts" ADD CONSTRAINT "campaign_attempts_item_id_campaign_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."campaign_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_items" ADD CONSTRAINT "campaign_items_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_attempts_item_number_uq" ON "campaign_attempts" USING btree ("item_id","attempt_number");--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_attempts_session_uq" ON "campaign_attempts" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "campaign_attempts_campaign_idx" ON "campaign_attempts" USING btree ("campaign_id","state");--> statement-breakpoint
CREATE INDEX "campaign_items_due_idx" ON "campaign_items" USING btree ("campaign_id","status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "campaign_items_row_idx" ON "campaign_items" USING btree ("campaign_id","row_number");--> statement-breakpoint
CREATE INDEX "campaign_items_phone_idx" ON "campaign_items" USING btree ("campaign_id","phone");--> statement-breakpoint
CREATE INDEX "campaigns_space_created_idx" ON "campaigns" USING btree ("space_id","created_at");--> statement-breakpoint
CREATE INDEX "campaigns_status_idx" ON "campaigns" USING btree ("status");--> statement-breakpoint
CREATE INDEX "sessions_space_direction_status_idx" ON "sessions" USING btree ("space_id","direction","status");--> statement-breakpoint
CREATE INDEX "sessions_campaign_idx" ON "sessions" USING btree ("campaign_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_campaign_attempt_uq" ON "sessions" USING btree ("campaign_attempt_id");