-- CreateEnum
CREATE TYPE "ReminderStatus" AS ENUM ('PENDING', 'SENT', 'CANCELLED', 'FAILED');

-- AlterTable
ALTER TABLE "Session" ADD COLUMN     "reminderPolicy" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "ReminderSlot" (
    "id" BIGSERIAL NOT NULL,
    "assignmentId" INTEGER NOT NULL,
    "duty" TEXT NOT NULL,
    "deadline" DATE NOT NULL,
    "slotOn" DATE NOT NULL,
    "audience" TEXT NOT NULL,
    "chatKey" TEXT NOT NULL,
    "status" "ReminderStatus" NOT NULL DEFAULT 'PENDING',
    "leaseUntil" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderSlot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReminderSlot_status_chatKey_idx" ON "ReminderSlot"("status", "chatKey");

-- CreateIndex
CREATE UNIQUE INDEX "ReminderSlot_assignmentId_duty_deadline_slotOn_audience_cha_key" ON "ReminderSlot"("assignmentId", "duty", "deadline", "slotOn", "audience", "chatKey");

-- AddForeignKey
ALTER TABLE "ReminderSlot" ADD CONSTRAINT "ReminderSlot_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
