CREATE INDEX IF NOT EXISTS "activities_counted_updated" ON "activities" USING btree ("updated_at") WHERE "activities"."status" = 'ready' and "activities"."counted_in_load";
