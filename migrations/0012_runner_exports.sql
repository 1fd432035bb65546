-- The runner's data exports (one zip per request): progress, where the file lies, and its single-use,
-- expiring download link (only the token's SHA-256 is looked up; an encrypted copy lets the owner see the
-- link again until it is used or expires). At most one export is queued or running per runner.
CREATE TABLE "exports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"runner_id" uuid NOT NULL,
	"request_id" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"bytes" bigint,
	"storage_location" text,
	"token_hash" text NOT NULL,
	"token_encrypted" text,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ready_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"downloaded_at" timestamp with time zone,
	"emailed_at" timestamp with time zone,
	"file_deleted_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE UNIQUE INDEX "exports_token_hash" ON "exports" USING btree ("token_hash");
--> statement-breakpoint
CREATE UNIQUE INDEX "exports_runner_request" ON "exports" USING btree ("runner_id","request_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "exports_one_active" ON "exports" USING btree ("runner_id") WHERE "exports"."status" in ('queued', 'running');
--> statement-breakpoint
CREATE INDEX "exports_files_to_delete" ON "exports" USING btree ("expires_at") WHERE "exports"."storage_location" is not null and "exports"."file_deleted_at" is null;
