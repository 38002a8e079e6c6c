-- CreateTable
CREATE TABLE "InboundMessage" (
    "msgid" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "userid" TEXT NOT NULL,
    "chatId" TEXT,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answeredAt" TIMESTAMPTZ(3),

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("msgid")
);

-- CreateIndex
CREATE INDEX "InboundMessage_receivedAt_idx" ON "InboundMessage"("receivedAt");
