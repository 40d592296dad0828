ALTER TABLE "session_turns" ADD COLUMN "end_of_turn_probability" double precision;--> statement-breakpoint
ALTER TABLE "session_turns" ADD COLUMN "end_of_turn_threshold" double precision;--> statement-breakpoint
ALTER TABLE "session_turns" ADD COLUMN "preemptive" boolean;--> statement-breakpoint
ALTER TABLE "session_turns" ADD COLUMN "audio_from_cache" boolean;