-- The case record. Written in the shape `prisma migrate diff` produces, so sites with the schema engine can use
-- `prisma migrate deploy`; the checks and the append-only trigger at the end are ours (Prisma cannot express them).

-- CreateEnum
CREATE TYPE "Body" AS ENUM ('CONGRESS', 'CPPCC');

-- CreateEnum
CREATE TYPE "CaseKind" AS ENUM ('SUGGESTION', 'PROPOSAL', 'MOTION');

-- CreateEnum
CREATE TYPE "Disclosure" AS ENUM ('PUBLIC', 'ON_REQUEST', 'NOT_PUBLIC');

-- CreateEnum
CREATE TYPE "AssignmentRole" AS ENUM ('LEAD', 'SEPARATE', 'JOINT', 'ASSIST');

-- CreateEnum
CREATE TYPE "AssignmentState" AS ENUM ('PENDING', 'IN_PROGRESS', 'OPINION_SENT', 'REPLIED', 'REHANDLING', 'CLOSED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "PersonRole" AS ENUM ('admin', 'leader', 'liaison', 'handler');

-- CreateEnum
CREATE TYPE "ContactStage" AS ENUM ('BEFORE', 'DURING', 'AFTER');

-- CreateEnum
CREATE TYPE "ContactForm" AS ENUM ('FACE', 'PHONE', 'MEETING', 'VISIT', 'WRITTEN');

-- CreateEnum
CREATE TYPE "Rating" AS ENUM ('SATISFIED', 'BASICALLY_SATISFIED', 'UNSATISFIED');

-- CreateEnum
CREATE TYPE "RequestType" AS ENUM ('EXTENSION', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('PENDING', 'APPROVED', 'REFUSED');

-- CreateEnum
CREATE TYPE "FollowUpStatus" AS ENUM ('OPEN', 'RESOLVED');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateTable
CREATE TABLE "Session" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "body" "Body" NOT NULL,
    "year" INTEGER NOT NULL,
    "policy" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Unit" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "isOffice" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Unit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Person" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "userid" TEXT,
    "unitId" INTEGER,
    "role" "PersonRole" NOT NULL,
    "mobile" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" SERIAL NOT NULL,
    "kind" "CaseKind" NOT NULL,
    "sessionId" INTEGER NOT NULL,
    "number" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT,
    "category" TEXT,
    "proposers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "isPriority" BOOLEAN NOT NULL DEFAULT false,
    "leadingLeaderId" INTEGER,
    "isPostSession" BOOLEAN NOT NULL DEFAULT false,
    "disclosure" "Disclosure" NOT NULL DEFAULT 'PUBLIC',
    "assignedOn" DATE NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Assignment" (
    "id" SERIAL NOT NULL,
    "caseId" INTEGER NOT NULL,
    "unitId" INTEGER NOT NULL,
    "role" "AssignmentRole" NOT NULL,
    "state" "AssignmentState" NOT NULL DEFAULT 'PENDING',
    "handlerId" INTEGER,
    "signedAt" TIMESTAMPTZ(3),
    "signDeadline" DATE NOT NULL,
    "adjustDeadline" DATE NOT NULL,
    "opinionDeadline" DATE,
    "replyDeadline" DATE,
    "extensionCap" DATE,
    "rehandleDeadline" DATE,
    "publishDeadline" DATE,
    "followUpDeadline" DATE,
    "replyClass" TEXT,
    "opinionSentOn" DATE,
    "repliedOn" DATE,
    "publishedOn" DATE,
    "closedOn" DATE,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContactLog" (
    "id" SERIAL NOT NULL,
    "assignmentId" INTEGER NOT NULL,
    "stage" "ContactStage" NOT NULL,
    "form" "ContactForm" NOT NULL,
    "contactedOn" DATE NOT NULL,
    "note" TEXT,
    "loggedById" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContactLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reply" (
    "id" SERIAL NOT NULL,
    "assignmentId" INTEGER NOT NULL,
    "round" INTEGER NOT NULL,
    "replyClass" TEXT NOT NULL,
    "signedBy" TEXT,
    "repliedOn" DATE NOT NULL,
    "isPublic" BOOLEAN NOT NULL DEFAULT false,
    "publishedOn" DATE,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Reply_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Feedback" (
    "id" SERIAL NOT NULL,
    "assignmentId" INTEGER NOT NULL,
    "round" INTEGER NOT NULL,
    "rating" "Rating" NOT NULL,
    "receivedOn" DATE NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Request" (
    "id" SERIAL NOT NULL,
    "type" "RequestType" NOT NULL,
    "assignmentId" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "requestedDeadline" DATE,
    "targetUnitId" INTEGER,
    "status" "RequestStatus" NOT NULL DEFAULT 'PENDING',
    "requestedById" INTEGER,
    "requestedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedById" INTEGER,
    "decidedAt" TIMESTAMPTZ(3),
    "decisionNote" TEXT,

    CONSTRAINT "Request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FollowUp" (
    "id" SERIAL NOT NULL,
    "assignmentId" INTEGER NOT NULL,
    "dueOn" DATE NOT NULL,
    "status" "FollowUpStatus" NOT NULL DEFAULT 'OPEN',
    "note" TEXT,
    "resolvedOn" DATE,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FollowUp_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupChat" (
    "id" SERIAL NOT NULL,
    "chatId" TEXT NOT NULL,
    "name" TEXT,
    "unitId" INTEGER,
    "isOffice" BOOLEAN NOT NULL DEFAULT false,
    "webhookUrl" TEXT,
    "boundById" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "GroupChat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" INTEGER,
    "actorLabel" TEXT NOT NULL,
    "chatId" TEXT,
    "action" TEXT NOT NULL,
    "caseId" INTEGER,
    "assignmentId" INTEGER,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Outbox" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "caseId" INTEGER,
    "assignmentId" INTEGER,
    "unitId" INTEGER,
    "payload" JSONB NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "availableAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Session_name_key" ON "Session"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Unit_name_key" ON "Unit"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Person_userid_key" ON "Person"("userid");

-- CreateIndex
CREATE INDEX "Person_unitId_idx" ON "Person"("unitId");

-- CreateIndex
CREATE INDEX "Case_number_idx" ON "Case"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Case_kind_sessionId_number_key" ON "Case"("kind", "sessionId", "number");

-- CreateIndex
CREATE INDEX "Assignment_unitId_state_idx" ON "Assignment"("unitId", "state");

-- CreateIndex
CREATE INDEX "Assignment_state_replyDeadline_idx" ON "Assignment"("state", "replyDeadline");

-- CreateIndex
CREATE INDEX "Assignment_state_opinionDeadline_idx" ON "Assignment"("state", "opinionDeadline");

-- CreateIndex
CREATE INDEX "Assignment_state_signDeadline_idx" ON "Assignment"("state", "signDeadline");

-- CreateIndex
CREATE UNIQUE INDEX "Assignment_caseId_unitId_key" ON "Assignment"("caseId", "unitId");

-- CreateIndex
CREATE INDEX "ContactLog_assignmentId_idx" ON "ContactLog"("assignmentId");

-- CreateIndex
CREATE UNIQUE INDEX "Reply_assignmentId_round_key" ON "Reply"("assignmentId", "round");

-- CreateIndex
CREATE UNIQUE INDEX "Feedback_assignmentId_round_key" ON "Feedback"("assignmentId", "round");

-- CreateIndex
CREATE INDEX "Request_assignmentId_idx" ON "Request"("assignmentId");

-- CreateIndex
CREATE INDEX "Request_status_idx" ON "Request"("status");

-- CreateIndex
CREATE INDEX "FollowUp_assignmentId_idx" ON "FollowUp"("assignmentId");

-- CreateIndex
CREATE INDEX "FollowUp_status_dueOn_idx" ON "FollowUp"("status", "dueOn");

-- CreateIndex
CREATE UNIQUE INDEX "GroupChat_chatId_key" ON "GroupChat"("chatId");

-- CreateIndex
CREATE INDEX "GroupChat_unitId_idx" ON "GroupChat"("unitId");

-- CreateIndex
CREATE INDEX "Event_caseId_idx" ON "Event"("caseId");

-- CreateIndex
CREATE INDEX "Event_assignmentId_idx" ON "Event"("assignmentId");

-- CreateIndex
CREATE UNIQUE INDEX "Outbox_dedupeKey_key" ON "Outbox"("dedupeKey");

-- CreateIndex
CREATE INDEX "Outbox_status_availableAt_idx" ON "Outbox"("status", "availableAt");

-- AddForeignKey
ALTER TABLE "Person" ADD CONSTRAINT "Person_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "Session"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_leadingLeaderId_fkey" FOREIGN KEY ("leadingLeaderId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_handlerId_fkey" FOREIGN KEY ("handlerId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContactLog" ADD CONSTRAINT "ContactLog_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContactLog" ADD CONSTRAINT "ContactLog_loggedById_fkey" FOREIGN KEY ("loggedById") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reply" ADD CONSTRAINT "Reply_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Request" ADD CONSTRAINT "Request_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Request" ADD CONSTRAINT "Request_targetUnitId_fkey" FOREIGN KEY ("targetUnitId") REFERENCES "Unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Request" ADD CONSTRAINT "Request_requestedById_fkey" FOREIGN KEY ("requestedById") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Request" ADD CONSTRAINT "Request_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FollowUp" ADD CONSTRAINT "FollowUp_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupChat" ADD CONSTRAINT "GroupChat_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "Unit"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GroupChat" ADD CONSTRAINT "GroupChat_boundById_fkey" FOREIGN KEY ("boundById") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Outbox" ADD CONSTRAINT "Outbox_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Outbox" ADD CONSTRAINT "Outbox_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Checks: the rules the database itself keeps, whoever writes to it.
ALTER TABLE "Session" ADD CONSTRAINT "Session_name_check" CHECK (btrim("name") <> '');
ALTER TABLE "Session" ADD CONSTRAINT "Session_year_check" CHECK ("year" BETWEEN 1949 AND 2200);
ALTER TABLE "Unit" ADD CONSTRAINT "Unit_name_check" CHECK (btrim("name") <> '');
ALTER TABLE "Unit" ADD CONSTRAINT "Unit_aliases_check" CHECK ("aliases" IS NOT NULL);
ALTER TABLE "Person" ADD CONSTRAINT "Person_name_check" CHECK (btrim("name") <> '');
ALTER TABLE "Case" ADD CONSTRAINT "Case_number_check" CHECK ("number" <> '' AND "number" = btrim("number"));
ALTER TABLE "Case" ADD CONSTRAINT "Case_title_check" CHECK (btrim("title") <> '');
ALTER TABLE "Case" ADD CONSTRAINT "Case_proposers_check" CHECK ("proposers" IS NOT NULL);
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_deadline_by_role_check" CHECK (
    ("role" IN ('LEAD', 'SEPARATE') AND "replyDeadline" IS NOT NULL AND "opinionDeadline" IS NULL)
    OR ("role" IN ('JOINT', 'ASSIST') AND "opinionDeadline" IS NOT NULL AND "replyDeadline" IS NULL));
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_replyClass_check" CHECK ("replyClass" ~ '^[A-Z]$');
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_signed_check" CHECK ("state" IN ('PENDING', 'WITHDRAWN') OR "signedAt" IS NOT NULL);
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_replied_check" CHECK ("state" <> 'REPLIED' OR ("repliedOn" IS NOT NULL AND "replyClass" IS NOT NULL));
ALTER TABLE "Assignment" ADD CONSTRAINT "Assignment_opinion_check" CHECK ("state" <> 'OPINION_SENT' OR "opinionSentOn" IS NOT NULL);
ALTER TABLE "Reply" ADD CONSTRAINT "Reply_round_check" CHECK ("round" >= 1);
ALTER TABLE "Reply" ADD CONSTRAINT "Reply_replyClass_check" CHECK ("replyClass" ~ '^[A-Z]$');
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_round_check" CHECK ("round" >= 1);
ALTER TABLE "Request" ADD CONSTRAINT "Request_extension_check" CHECK ("type" <> 'EXTENSION' OR "requestedDeadline" IS NOT NULL);
ALTER TABLE "Request" ADD CONSTRAINT "Request_decided_check" CHECK (("status" = 'PENDING') = ("decidedAt" IS NULL));
ALTER TABLE "GroupChat" ADD CONSTRAINT "GroupChat_bound_check" CHECK (("unitId" IS NOT NULL) <> "isOffice");
ALTER TABLE "Outbox" ADD CONSTRAINT "Outbox_attempts_check" CHECK ("attempts" >= 0);
ALTER TABLE "Outbox" ADD CONSTRAINT "Outbox_sent_check" CHECK (("status" = 'SENT') = ("sentAt" IS NOT NULL));

-- The audit log is append-only: history may be read, never rewritten.
CREATE FUNCTION "event_is_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Event is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER "Event_append_only" BEFORE UPDATE OR DELETE ON "Event"
    FOR EACH ROW EXECUTE FUNCTION "event_is_append_only"();
CREATE TRIGGER "Event_no_truncate" BEFORE TRUNCATE ON "Event"
    FOR EACH STATEMENT EXECUTE FUNCTION "event_is_append_only"();
