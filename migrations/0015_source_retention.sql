ALTER TABLE "activities" ADD COLUMN "expired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "activities" ADD COLUMN "expired_reason" text;--> statement-breakpoint
CREATE INDEX "activities_source_created_live" ON "activities" USING btree ("source","created_at") WHERE "activities"."expired_at" is null and "activities"."deleted_at" is null;
