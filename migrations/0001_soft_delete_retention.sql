ALTER TABLE "activities" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "activities" ADD COLUMN "deleted_reason" text;--> statement-breakpoint
CREATE INDEX "activities_deleted_at" ON "activities" USING btree ("deleted_at") WHERE "activities"."deleted_at" is not null;--> statement-breakpoint
CREATE INDEX "webhook_events_processed_at" ON "webhook_events" USING btree ("processed_at") WHERE "webhook_events"."processed_at" is not null;
