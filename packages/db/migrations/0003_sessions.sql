CREATE TYPE "public"."session_channel" AS ENUM('api', 'widget', 'web', 'phone', 'campaign');--> statement-breakpoint
CREATE TYPE "public"."session_status" AS ENUM('pending', 'dispatching', 'active', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"agent_id" text,
	"agent_version" integer,
	"draft_version" integer,
	"status" "session_status" DEFAULT 'pending' NOT NULL,
	"failure_reason" varchar(500),
	"channel" "session_channel" NOT NULL,
	"caller" varchar(200),
	"language" varchar(35) NOT NULL,
	"variables" json DEFAULT '{}'::json NOT NULL,
	"media_driver" varchar(20) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_space_created_idx" ON "sessions" USING btree ("space_id","created_at");--> statement-breakpoint
CREATE INDEX "sessions_agent_idx" ON "sessions" USING btree ("agent_id");