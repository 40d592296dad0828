CREATE TABLE "agent_test_cases" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"name" varchar(100) NOT NULL,
	"required" boolean DEFAULT false NOT NULL,
	"spec" json NOT NULL,
	"source_session_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_test_results" (
	"run_id" text NOT NULL,
	"case_id" text NOT NULL,
	"iteration" integer NOT NULL,
	"status" varchar(10) NOT NULL,
	"outcome" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_test_results_run_id_case_id_iteration_pk" PRIMARY KEY("run_id","case_id","iteration")
);
--> statement-breakpoint
CREATE TABLE "agent_test_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"space_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"agent_version" integer,
	"draft_version" integer,
	"mode" varchar(10) NOT NULL,
	"repeat" integer DEFAULT 1 NOT NULL,
	"trigger" varchar(10) NOT NULL,
	"status" varchar(10) DEFAULT 'queued' NOT NULL,
	"reason" varchar(1000),
	"cases" json NOT NULL,
	"total" integer NOT NULL,
	"passed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agent_versions" ADD COLUMN "test_gate" jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_status" varchar(20);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_reason" varchar(1000);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_result" jsonb;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_passed" boolean;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_score" integer;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_model" varchar(200);--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analysis_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "analyzed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agent_test_cases" ADD CONSTRAINT "agent_test_cases_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_test_cases" ADD CONSTRAINT "agent_test_cases_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_test_results" ADD CONSTRAINT "agent_test_results_run_id_agent_test_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."agent_test_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_test_cases_agent_idx" ON "agent_test_cases" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_test_runs_agent_idx" ON "agent_test_runs" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_test_runs_status_idx" ON "agent_test_runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "sessions_space_analysis_idx" ON "sessions" USING btree ("space_id","analysis_passed","created_at");--> statement-breakpoint
CREATE INDEX "sessions_analysis_pending_idx" ON "sessions" USING btree ("analysis_requested_at") WHERE "sessions"."analysis_status" = 'pending';