-- What remains of an erased runner: who asked, when, and how many rows of each table went. No runner
-- reference: the runner row is gone.
CREATE TABLE "erasures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"requested_by" text NOT NULL,
	"counts" jsonb NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "erasures_runner" ON "erasures" USING btree ("runner_id");
--> statement-breakpoint
-- A platform grant still to be revoked upstream (the first attempt failed, or the runner is being
-- erased): what the revoke job needs, tokens encrypted, kept only until the platform confirms. No
-- runner or connection reference, so it outlives an erased runner.
CREATE TABLE "upstream_revokes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"external_athlete_id" text NOT NULL,
	"connection_status" text NOT NULL,
	"access_token_enc" text,
	"refresh_token_enc" text,
	"token_expires_at" timestamp with time zone,
	"reason" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- The file purge and the orphan file sweep look up the activities still needing a file.
CREATE INDEX IF NOT EXISTS "activities_file" ON "activities" USING btree ("file_id") WHERE "activities"."file_id" is not null;
