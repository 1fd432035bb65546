ALTER TABLE "activities" ADD COLUMN "excluded_reason" text;--> statement-breakpoint
UPDATE "activities" SET "excluded_reason" = 'not_a_run' WHERE "status" = 'ready' AND "is_run" IS NOT TRUE;--> statement-breakpoint
UPDATE "activities" SET "excluded_reason" = 'duplicate' WHERE "status" = 'ready' AND "is_run" = true AND "duplicate_of" IS NOT NULL;--> statement-breakpoint
UPDATE "activities" a SET "counted_in_load" = false, "excluded_reason" = CASE WHEN m."distance_m" < 1000 THEN 'noise_short' ELSE 'noise_brief' END FROM "activity_metrics" m WHERE m."activity_id" = a."id" AND a."status" = 'ready' AND a."is_run" = true AND a."duplicate_of" IS NULL AND (m."distance_m" < 1000 OR m."moving_time_s" < 300);
