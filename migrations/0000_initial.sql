CREATE TABLE "cadence_goals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"baseline_spm" numeric,
	"target_spm" numeric,
	"target_pct" numeric,
	"start_date" date NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"ramp_weeks" integer,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runners" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"timezone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"external_athlete_id" text NOT NULL,
	"access_token_enc" text,
	"refresh_token_enc" text,
	"token_expires_at" timestamp with time zone,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"backfill_status" text DEFAULT 'none' NOT NULL,
	"backfill_total" integer DEFAULT 0 NOT NULL,
	"backfill_done" integer DEFAULT 0 NOT NULL,
	"meta" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"outcome" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "activities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"connection_id" uuid,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"session_index" integer DEFAULT 0 NOT NULL,
	"file_id" uuid,
	"name" text,
	"sport" text,
	"sub_sport" text,
	"is_run" boolean,
	"is_indoor" boolean DEFAULT false NOT NULL,
	"start_time" timestamp with time zone,
	"local_date" date,
	"utc_offset_s" integer,
	"status" text DEFAULT 'queued' NOT NULL,
	"error" jsonb,
	"counted_in_load" boolean DEFAULT false NOT NULL,
	"duplicate_of" uuid,
	"raw" jsonb,
	"workout_type" integer,
	"gear_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "activity_metrics" (
	"activity_id" uuid PRIMARY KEY NOT NULL,
	"distance_m" double precision NOT NULL,
	"elapsed_time_s" double precision NOT NULL,
	"moving_time_s" double precision NOT NULL,
	"avg_speed_mps" double precision,
	"avg_pace_s_per_km" double precision,
	"avg_cadence_spm" double precision,
	"cadence_source" text NOT NULL,
	"cadence_factor" double precision DEFAULT 1 NOT NULL,
	"cadence_quality" text NOT NULL,
	"run_cadence_spm" double precision,
	"running_sample_time_s" double precision DEFAULT 0 NOT NULL,
	"walk_share" double precision,
	"steps" double precision,
	"steps_per_km" double precision,
	"elevation_gain_m" double precision,
	"elevation_loss_m" double precision,
	"elevation_source" text NOT NULL,
	"elevation_method" text,
	"descent_per_km" double precision,
	"surges" integer DEFAULT 0 NOT NULL,
	"pace_cv_pct" double precision,
	"splits" jsonb NOT NULL,
	"pace" jsonb NOT NULL,
	"partial" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"origin" text,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pain_answers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"prompt_id" uuid NOT NULL,
	"runner_id" uuid NOT NULL,
	"activity_id" uuid,
	"pain_during" integer,
	"settled_after_min" integer,
	"pain_now" integer,
	"vs_yesterday" text,
	"note" text,
	"answered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pain_prompts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"activity_id" uuid,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"token_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "warnings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"week" text NOT NULL,
	"code" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"severity" text DEFAULT 'warn' NOT NULL,
	"provisional" boolean DEFAULT false NOT NULL,
	"message" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "weeks" (
	"runner_id" uuid NOT NULL,
	"week" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"complete" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'ok' NOT NULL,
	"variables" jsonb NOT NULL,
	"change_pct" jsonb NOT NULL,
	"changed" text[] DEFAULT '{}'::text[] NOT NULL,
	"details" jsonb,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "weeks_runner_id_week_pk" PRIMARY KEY("runner_id","week")
);
--> statement-breakpoint
ALTER TABLE "cadence_goals" ADD CONSTRAINT "cadence_goals_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activities" ADD CONSTRAINT "activities_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "activity_metrics" ADD CONSTRAINT "activity_metrics_activity_id_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."activities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD CONSTRAINT "pain_answers_prompt_id_pain_prompts_id_fk" FOREIGN KEY ("prompt_id") REFERENCES "public"."pain_prompts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD CONSTRAINT "pain_answers_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD CONSTRAINT "pain_answers_activity_id_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."activities"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD CONSTRAINT "pain_prompts_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD CONSTRAINT "pain_prompts_activity_id_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."activities"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "weeks" ADD CONSTRAINT "weeks_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cadence_goals_one_active" ON "cadence_goals" USING btree ("runner_id") WHERE "cadence_goals"."active";--> statement-breakpoint
CREATE UNIQUE INDEX "connections_provider_athlete" ON "connections" USING btree ("provider","external_athlete_id");--> statement-breakpoint
CREATE UNIQUE INDEX "connections_runner_provider" ON "connections" USING btree ("runner_id","provider");--> statement-breakpoint
CREATE INDEX "connections_runner" ON "connections" USING btree ("runner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_dedupe" ON "webhook_events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "webhook_events_unprocessed" ON "webhook_events" USING btree ("received_at") WHERE "webhook_events"."processed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "activities_runner_source_external" ON "activities" USING btree ("runner_id","source","external_id","session_index");--> statement-breakpoint
CREATE INDEX "activities_runner_local_date" ON "activities" USING btree ("runner_id","local_date");--> statement-breakpoint
CREATE INDEX "activities_runner_start" ON "activities" USING btree ("runner_id","start_time");--> statement-breakpoint
CREATE UNIQUE INDEX "files_runner_sha" ON "files" USING btree ("runner_id","sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "pain_answers_prompt" ON "pain_answers" USING btree ("prompt_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pain_prompts_activity_kind" ON "pain_prompts" USING btree ("activity_id","kind");--> statement-breakpoint
CREATE INDEX "pain_prompts_runner_status" ON "pain_prompts" USING btree ("runner_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "pain_prompts_token" ON "pain_prompts" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_kind_subject" ON "notifications" USING btree ("kind","subject_id");--> statement-breakpoint
CREATE UNIQUE INDEX "warnings_runner_week_code" ON "warnings" USING btree ("runner_id","week","code");--> statement-breakpoint
CREATE INDEX "warnings_runner_status" ON "warnings" USING btree ("runner_id","status");--> statement-breakpoint
CREATE INDEX "weeks_runner_start" ON "weeks" USING btree ("runner_id","start_date");