// 驳回 <申请号> [理由]: the office refuses a 延期 or 调整 request; the unit is told. Same spec as 批准 (approve.ts).
import { decisionCommand } from "./approve.ts";

export const refuseCommand = decisionCommand({
  name: "驳回",
  approve: false,
  usage: "驳回 [申请号] [理由]",
  example: "驳回 12 理由不充分，请按期答复",
  summary: "督办室：驳回延期或调整申请（不写编号则列出待审批的申请）",
  examples: ["驳回", "驳回 12 理由不充分，请按期答复"],
});
