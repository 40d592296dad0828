CREATE TYPE "public"."recording_track" AS ENUM('composite', 'user', 'agent');--> statement-breakpoint
CREATE TYPE "public"."tool_call_status" AS ENUM('ok', 'error', 'timeout');--> statement-breakpoint
CREATE TYPE "public"."turn_role" AS ENUM('user', 'agent');--> statement-breakpoint
CREATE TABLE "session_recordings" (
	"session_id" text NOT NULL,
	"track" "recording_track" NOT NULL,
	"object_key" varchar(300) NOT NULL,
	"content_type" varchar(40) NOT NULL,
	"size_bytes" integer NOT NULL,
	"waveform_peaks" json,
	"waveform_duration_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_recordings_session_id_track_pk" PRIMARY KEY("session_id","track")
);
--> statement-breakpoint
CREATE TABLE "session_runtime_events" (
	"session_id" text NOT NULL,
	"event_id" varchar(200) NOT NULL,
	"type" varchar(40) NOT NULL,
	"detail" json,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_runtime_events_session_id_event_id_pk" PRIMARY KEY("session_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "session_tool_calls" (
	"session_id" text NOT NULL,
	"event_id" varchar(200) NOT NULL,
	"tool_call_id" varchar(100) NOT NULL,
	"name" varchar(100) NOT NULL,
	"turn_id" varchar(100),
	"request" json NOT NULL,
	"response" json,
	"status" "tool_call_status" NOT NULL,
	"error" varchar(1000),
	"latency_ms" integer NOT NULL,
	"started_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_tool_calls_session_id_event_id_pk" PRIMARY KEY("session_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "session_turns" (
	"session_id" text NOT NULL,
	"event_id" varchar(200) NOT NULL,
	"turn_id" varchar(100) NOT NULL,
	"role" "turn_role" NOT NULL,
	"text" text NOT NULL,
	"language" varchar(35),
	"interrupted" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"end_of_utterance_delay_ms" integer,
	"stt_final_ms" integer,
	"llm_ttft_ms" integer,
	"tool_ms" integer,
	"tts_ttfb_ms" integer,
	"voice_to_voice_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_turns_session_id_event_id_pk" PRIMARY KEY("session_id","event_id")
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "prompt_tokens" integer;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "completion_tokens" integer;--> statement-breakpoint
ALTER TABLE "session_recordings" ADD CONSTRAINT "session_recordings_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_runtime_events" ADD CONSTRAINT "session_runtime_events_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_tool_calls" ADD CONSTRAINT "session_tool_calls_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_turns" ADD CONSTRAINT "session_turns_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "session_tool_calls_session_idx" ON "session_tool_calls" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "session_turns_session_started_idx" ON "session_turns" USING btree ("session_id","started_at");