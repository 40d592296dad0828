ALTER TYPE "public"."session_channel" ADD VALUE 'test';--> statement-breakpoint
CREATE TABLE "runtime_capabilities" (
	"runtime_id" varchar(100) PRIMARY KEY NOT NULL,
	"report" jsonb NOT NULL,
	"reported_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "forced_problems" jsonb;