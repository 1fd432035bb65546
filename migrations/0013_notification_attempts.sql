-- Each delivery attempt of an outbox row is counted with its time and error, so a row that keeps
-- failing shows why without reading the attempts' JSON; a delivered prompt webhook marks its
-- prompt delivery through notification_id, which is indexed for that.
ALTER TABLE "notifications" ADD COLUMN IF NOT EXISTS "attempt_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN IF NOT EXISTS "last_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN IF NOT EXISTS "last_error" text;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "prompt_deliveries_notification" ON "prompt_deliveries" USING btree ("notification_id") WHERE "prompt_deliveries"."notification_id" is not null;
