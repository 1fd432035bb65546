-- The device a page session was started on (a short summary of the browser's user agent), and the
-- session a share link was created from (null for links made through the API), so that signing out
-- everywhere can also withdraw the links made from the other devices.
ALTER TABLE "runner_sessions" ADD COLUMN "device" text;
--> statement-breakpoint
ALTER TABLE "runner_shares" ADD COLUMN "created_by_session" uuid;
--> statement-breakpoint
ALTER TABLE "runner_shares" ADD CONSTRAINT "runner_shares_created_by_session_runner_sessions_id_fk" FOREIGN KEY ("created_by_session") REFERENCES "public"."runner_sessions"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "runner_shares_created_by_session" ON "runner_shares" USING btree ("created_by_session") WHERE "runner_shares"."created_by_session" is not null;
