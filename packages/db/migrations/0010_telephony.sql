CREATE TYPE "public"."call_direction" AS ENUM('inbound', 'outbound');--> statement-breakpoint
CREATE TYPE "public"."telephony_provider" AS ENUM('twilio', 'voximplant', 'livekit_sip');--> statement-breakpoint
CREATE TYPE "public"."webhook_log_outcome" AS ENUM('accepted', 'refused', 'processed', 'ignored', 'failed');--> statement-breakpoint
CREATE TABLE "inbound_webhook_log" (
	"id" text PRIMARY KEY NOT NULL,
	"provider" "telephony_provider" NOT NULL,
	"kind" varchar(30) NOT NULL,
	"connection_id" text,
	"space_id" text,
	"session_id" text,
	"method" varchar(10) NOT NULL,
	"url" varchar(2000) NOT NULL,
	"headers" jsonb NOT NULL,
	"params" jsonb NOT NULL,
	"signature_valid" boolean NOT NULL,
	"outcome" "webhook_log_outcome" NOT NULL,
	"detail" varchar(500),
	"dedupe_key" varchar(300),
	"request_id" varchar(100),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "phone_numbers" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"connection_id" text NOT NULL,
	"e164" varchar(16) NOT NULL,
	"provider_number_id" varchar(100) NOT NULL,
	"friendly_name" varchar(200),
	"agent_id" text,
	"inbound_enabled" boolean DEFAULT true NOT NULL,
	"recording_enabled" boolean DEFAULT true NOT NULL,
	"max_concurrent_calls" integer DEFAULT 5 NOT NULL,
	"allowed_countries" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"caller_name" varchar(50),
	"previous_config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_call_statuses" (
	"session_id" text NOT NULL,
	"event_key" varchar(200) NOT NULL,
	"status" varchar(40) NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_call_statuses_session_id_event_key_pk" PRIMARY KEY("session_id","event_key")
);
--> statement-breakpoint
CREATE TABLE "telephony_connections" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"provider" "telephony_provider" NOT NULL,
	"name" varchar(100) NOT NULL,
	"account_id" varchar(100) NOT NULL,
	"secret" text NOT NULL,
	"secret_hint" varchar(8) NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "direction" "call_direction";--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "from_number" varchar(16);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "to_number" varchar(16);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "phone_number_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "provider_call_id" varchar(100);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "provider_status" varchar(40);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "hangup_cause" varchar(200);--> statement-breakpoint
ALTER TABLE "inbound_webhook_log" ADD CONSTRAINT "inbound_webhook_log_connection_id_telephony_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."telephony_connections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_webhook_log" ADD CONSTRAINT "inbound_webhook_log_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_webhook_log" ADD CONSTRAINT "inbound_webhook_log_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_connection_id_telephony_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."telephony_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_call_statuses" ADD CONSTRAINT "session_call_statuses_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telephony_connections" ADD CONSTRAINT "telephony_connections_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telephony_connections" ADD CONSTRAINT "telephony_connections_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inbound_webhook_log_space_idx" ON "inbound_webhook_log" USING btree ("space_id","created_at");--> statement-breakpoint
CREATE INDEX "inbound_webhook_log_session_idx" ON "inbound_webhook_log" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "inbound_webhook_log_dedupe_idx" ON "inbound_webhook_log" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "phone_numbers_connection_e164_uq" ON "phone_numbers" USING btree ("connection_id","e164");--> statement-breakpoint
CREATE INDEX "phone_numbers_space_idx" ON "phone_numbers" USING btree ("space_id","created_at");--> statement-breakpoint
CREATE INDEX "phone_numbers_agent_idx" ON "phone_numbers" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "session_call_statuses_session_at_idx" ON "session_call_statuses" USING btree ("session_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "telephony_connections_space_name_uq" ON "telephony_connections" USING btree ("space_id","name");--> statement-breakpoint
CREATE INDEX "telephony_connections_space_idx" ON "telephony_connections" USING btree ("space_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_provider_call_uq" ON "sessions" USING btree ("provider_call_id");--> statement-breakpoint
CREATE INDEX "sessions_phone_number_status_idx" ON "sessions" USING btree ("phone_number_id","status");