// 沟通 <案> <面商|电话|座谈|走访|书面> [办前|办中|办后] [备注]: one contact with the proposer (三沟通). The stage is
// worked out when not given: 办前 for the first contact, 办中 while handling, 办后 once replied.
import { caseTitle } from "../bot/render.ts";
import { logContact } from "../casework/assignments.ts";
import { CONTACT_FORM_LABEL, CONTACT_STAGE_LABEL, codeOf } from "../domain/labels.ts";
import type { Command } from "./command.ts";
import { usageAnswer } from "./duty-list.ts";
import { actorOf, refusalAnswer, resolveTarget, unitRole } from "./update-target.ts";

const HELP = {
  name: "沟通",
  usage: "沟通 <案号> <面商|电话|座谈|走访|书面> [办前|办中|办后] [备注]",
  example: "沟通 205 面商 与刘定东委员当面商议办理方案",
};
const FORMS = Object.values(CONTACT_FORM_LABEL).join("、");
const MAX_NOTE = 200;

export const contactCommand: Command = {
  name: HELP.name,
  aliases: [],
  summary: "记录与提出人的一次沟通（面商、电话、座谈、走访、书面）",
  usage: HELP.usage,
  examples: ["沟通 205 电话", HELP.example, "沟通 205 走访 办后 征询对答复的意见"],
  async run(ctx) {
    const target = await resolveTarget(ctx, HELP);
    if (typeof target === "string") return target;
    const [formText = "", ...more] = target.words;
    const form = codeOf(CONTACT_FORM_LABEL, formText);
    if (!form) {
      const problem = formText ? `沟通方式「${formText}」不认识，只能是${FORMS}。` : `请写明沟通方式：${FORMS}。`;
      return usageAnswer(HELP.usage, HELP.example, problem);
    }
    const stage = more[0] ? (codeOf(CONTACT_STAGE_LABEL, more[0]) ?? null) : null;
    const note = (stage ? more.slice(1) : more).join(" ").trim() || null;
    if (note && note.length > MAX_NOTE) return usageAnswer(HELP.usage, HELP.example, `备注请不超过${MAX_NOTE}字。`);
    const a = target.assignment;
    const input = { assignmentId: a.id, actor: actorOf(ctx), today: ctx.today, form, stage, note };
    const result = await logContact(ctx.db, input);
    const how = CONTACT_FORM_LABEL[form];
    if (result.status === "refused")
      return refusalAnswer("记录沟通", result.refusal, result.assignment.state, target.ref);
    if (result.status === "repeat") return `今天已记录过这次${how}，无需重复。`;
    const { stage: done, contacts, faceToFace } = result.detail;
    const face = faceToFace > 0 ? `其中面商${faceToFace}次` : "**尚未面商**";
    return [
      `已记录${CONTACT_STAGE_LABEL[done]}${how}：${caseTitle(target.case)}（${unitRole(a)}）`,
      `本单位共沟通${contacts}次，${face}。`,
    ].join("\n");
  },
};
