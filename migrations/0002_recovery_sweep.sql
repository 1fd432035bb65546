CREATE INDEX IF NOT EXISTS "webhook_events_fetch_queued" ON "webhook_events" USING btree ("processed_at") WHERE "webhook_events"."outcome" = 'fetch_queued';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "activities_pending" ON "activities" USING btree ("updated_at") WHERE "activities"."status" in ('queued', 'processing');
