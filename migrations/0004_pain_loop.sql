ALTER TABLE "runners" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "runners" ADD COLUMN "morning_prompt_time" text DEFAULT '08:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "runners" ADD COLUMN "quiet_start" text DEFAULT '22:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "runners" ADD COLUMN "quiet_end" text DEFAULT '07:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "runners" ADD COLUMN "rest_day_check" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "local_date" date;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "run_end_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "remind_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "reminded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "answered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "token_enc" text;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "pain_prompts" ADD COLUMN "cancel_reason" text;--> statement-breakpoint
CREATE UNIQUE INDEX "pain_prompts_morning" ON "pain_prompts" USING btree ("runner_id","local_date") WHERE "pain_prompts"."kind" in ('next_morning', 'rest_morning');--> statement-breakpoint
CREATE INDEX "pain_prompts_status_due" ON "pain_prompts" USING btree ("status","due_at");--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "kind" text;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "pain_before" integer;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "stopped_for_knee" boolean;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "calf_during" integer;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "settled" boolean;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "stairs_or_sitting_worse" boolean;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "via" text;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "pain_answers" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE TABLE "run_pain" (
	"activity_id" uuid PRIMARY KEY NOT NULL,
	"runner_id" uuid NOT NULL,
	"local_date" date NOT NULL,
	"during_run" integer,
	"pain_now" integer,
	"pain_before" integer,
	"answered_after_min" integer,
	"stopped_for_knee" boolean,
	"calf_during" integer,
	"settled_at60" boolean,
	"settled_at120" boolean,
	"settled_after_min" integer,
	"next_morning" integer,
	"next_morning_vs_yesterday" text,
	"stairs_or_sitting_worse" boolean,
	"note" text,
	"late" boolean DEFAULT false NOT NULL,
	"light" text DEFAULT 'grey' NOT NULL,
	"derived" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "run_pain" ADD CONSTRAINT "run_pain_activity_id_activities_id_fk" FOREIGN KEY ("activity_id") REFERENCES "public"."activities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_pain" ADD CONSTRAINT "run_pain_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_pain_runner_date" ON "run_pain" USING btree ("runner_id","local_date");--> statement-breakpoint
CREATE TABLE "pain_mornings" (
	"runner_id" uuid NOT NULL,
	"local_date" date NOT NULL,
	"pain" integer NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pain_mornings_runner_id_local_date_pk" PRIMARY KEY("runner_id","local_date")
);
--> statement-breakpoint
ALTER TABLE "pain_mornings" ADD CONSTRAINT "pain_mornings_runner_id_runners_id_fk" FOREIGN KEY ("runner_id") REFERENCES "public"."runners"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "prompt_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"prompt_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"event" text NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"notification_id" uuid,
	"attempts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "prompt_deliveries" ADD CONSTRAINT "prompt_deliveries_prompt_id_pain_prompts_id_fk" FOREIGN KEY ("prompt_id") REFERENCES "public"."pain_prompts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "prompt_deliveries_once" ON "prompt_deliveries" USING btree ("prompt_id","channel","event","attempt");
