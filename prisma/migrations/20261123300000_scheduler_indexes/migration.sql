-- Indexes for the scheduler's tick (bench/scheduler.ts measures it on a million open assignments): every duty rule
-- finds its deadlines by (state, deadline column), and 重新办理 and 公开 had no such index; the slots that exist
-- already are read by their day, not by scanning every day's.

-- CreateIndex
CREATE INDEX "Assignment_state_rehandleDeadline_idx" ON "Assignment"("state", "rehandleDeadline");

-- CreateIndex
CREATE INDEX "Assignment_state_publishDeadline_idx" ON "Assignment"("state", "publishDeadline");

-- CreateIndex
CREATE INDEX "ReminderSlot_slotOn_audience_idx" ON "ReminderSlot"("slotOn", "audience");
