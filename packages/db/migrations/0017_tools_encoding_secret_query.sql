ALTER TABLE "tools" ADD COLUMN "body_encoding" varchar(8) DEFAULT 'json' NOT NULL;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "parameter_styles" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "secret_query" text;--> statement-breakpoint
ALTER TABLE "tools" ADD COLUMN "secret_query_names" jsonb DEFAULT '[]'::jsonb NOT NULL;