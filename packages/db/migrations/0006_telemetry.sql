CREATE TABLE "analytics_daily" (
	"day" date NOT NULL,
	"space_id" text NOT NULL,
	"agent_id" text DEFAULT '' NOT NULL,
	"sessions_total" integer DEFAULT 0 NOT NULL,
	"sessions_completed" integer DEFAULT 0 NOT NULL,
	"sessions_failed" integer DEFAULT 0 NOT NULL,
	"sessions_open" integer DEFAULT 0 NOT NULL,
	"voice_ms" bigint DEFAULT 0 NOT NULL,
	"voice_to_voice_p50_ms" integer,
	"voice_to_voice_p95_ms" integer,
	"llm_ttft_p50_ms" integer,
	"llm_ttft_p95_ms" integer,
	"tts_ttfb_p50_ms" integer,
	"tts_ttfb_p95_ms" integer,
	"tool_calls" integer DEFAULT 0 NOT NULL,
	"tool_errors" integer DEFAULT 0 NOT NULL,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_daily_day_space_id_agent_id_pk" PRIMARY KEY("day","space_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "spans" (
	"trace_id" varchar(32) NOT NULL,
	"span_id" varchar(16) NOT NULL,
	"parent_span_id" varchar(16),
	"session_id" text,
	"space_id" text,
	"agent_id" text,
	"name" varchar(300) NOT NULL,
	"kind" smallint DEFAULT 0 NOT NULL,
	"start_time_unix_nano" bigint NOT NULL,
	"end_time_unix_nano" bigint NOT NULL,
	"status_code" smallint DEFAULT 0 NOT NULL,
	"status_message" varchar(1000),
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"resource" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spans_trace_id_span_id_pk" PRIMARY KEY("trace_id","span_id")
);
--> statement-breakpoint
CREATE TABLE "telemetry_dead_letters" (
	"id" text PRIMARY KEY NOT NULL,
	"queue" varchar(100) NOT NULL,
	"message_id" varchar(200) NOT NULL,
	"body" jsonb,
	"error" varchar(2000),
	"attempts" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_dead_letters_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE INDEX "analytics_daily_space_day_idx" ON "analytics_daily" USING btree ("space_id","day");--> statement-breakpoint
CREATE INDEX "spans_session_start_idx" ON "spans" USING btree ("session_id","start_time_unix_nano");--> statement-breakpoint
CREATE INDEX "telemetry_dead_letters_created_idx" ON "telemetry_dead_letters" USING btree ("created_at");