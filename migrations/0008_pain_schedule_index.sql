-- Prompt scheduling looks up the copies that point at a counted run (duplicate_of) on every ingest;
-- without an index that is a scan of every activity. Partial: most activities are no copy.
CREATE INDEX IF NOT EXISTS "activities_duplicate_of" ON "activities" USING btree ("duplicate_of") WHERE "activities"."duplicate_of" is not null;
