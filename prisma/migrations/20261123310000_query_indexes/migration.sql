-- Indexes for the chat commands' hot queries (test/perf/query-plans.test.ts checks their plans on a large record):
-- 统计/进度/总结 select cases by session (and the sessions that have cases in scope) or by 交办 year.

-- CreateIndex
CREATE INDEX "Case_sessionId_idx" ON "Case"("sessionId");

-- CreateIndex
CREATE INDEX "Case_assignedOn_idx" ON "Case"("assignedOn");
