ALTER TABLE "activity_metrics" ADD COLUMN "run_speed_mps" double precision;--> statement-breakpoint
ALTER TABLE "activity_metrics" ADD COLUMN "cadence_histogram" jsonb;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "baseline_speed_mps" double precision;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "slope_spm_per_mps" double precision;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "slope_source" text;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "baseline_source" text;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "baseline_frozen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "baseline_details" jsonb;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "pause_reason" text;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "pause_activity_id" uuid;--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD COLUMN "ended_at" timestamp with time zone;
