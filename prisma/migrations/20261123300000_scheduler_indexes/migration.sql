-- Indexes for the scheduler's tick (bench/scheduler.ts measures it on a million open assignments): every duty rule
-- finds its deadlines by (state, deadline column), and 重新办理 and 公开 had no such index.

-- CreateIndex
CREATE INDEX "Assignment_state_rehandleDeadline_idx" ON "Assignment"("state", "rehandleDeadline");

-- CreateIndex
CREATE INDEX "Assignment_state_publishDeadline_idx" ON "Assignment"("state", "publishDeadline");
