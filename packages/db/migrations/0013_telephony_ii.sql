ALTER TABLE "sessions" ADD COLUMN "provider_control_url" varchar(1000);--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD COLUMN "provider_state" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "telephony_connections" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "telephony_connections" ADD COLUMN "provider_state" jsonb DEFAULT '{}'::jsonb NOT NULL;