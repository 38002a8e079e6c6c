// Loading the units (承办单位, with the short names people type) and the members (who is who in WeCom) from the
// office's spreadsheets. Like the 交办清单 import: every problem reported with its row, nothing written if any.
import { basename } from "node:path";
import type { Db } from "../db/client.ts";
import { codeOf, PERSON_ROLE_LABEL, type PersonRole } from "../domain/labels.ts";
import { type EventInput, recordEvents } from "./events.ts";
import { matchKey, readTable, SpreadsheetError, splitList, trimText, type WorkbookInput } from "./spreadsheet.ts";
import { closestNames } from "./suggest.ts";

/** One problem in an imported sheet; row 0 means the file as a whole. */
export interface Problem {
  row: number;
  column: string;
  message: string;
}

export interface UnitRef {
  id: number;
  name: string;
  aliases: string[];
}

/** Finds units by full name or alias, ignoring spaces and full-width forms; suggests close names for unknown ones. */
export interface UnitDirectory {
  find(text: string): UnitRef | undefined;
  /** "未知单位「市发改局」，您是不是要找：市发展改革委（市发改委）？" */
  unknownMessage(text: string): string;
}

export function unitDirectory(units: UnitRef[]): UnitDirectory {
  const byKey = new Map<string, UnitRef>();
  const byLabel = new Map<string, UnitRef>();
  for (const unit of units) {
    byLabel.set(unit.name, unit);
    byKey.set(matchKey(unit.name), unit);
  }
  // Full names win over aliases when a short name happens to equal another unit's name.
  for (const unit of units) {
    for (const alias of unit.aliases) {
      if (!byKey.has(matchKey(alias))) byKey.set(matchKey(alias), unit);
      if (!byLabel.has(alias)) byLabel.set(alias, unit);
    }
  }
  return {
    find: (text) => byKey.get(matchKey(text)),
    unknownMessage(text) {
      // Rank every name and alias, then list each close unit once: its full name, with the aliases that matched.
      const close = closestNames(text, byLabel.keys(), 6);
      const matched = new Map<UnitRef, string[]>();
      for (const label of close) {
        const unit = byLabel.get(label);
        if (!unit || (!matched.has(unit) && matched.size >= 3)) continue;
        const aliases = matched.get(unit) ?? [];
        if (label !== unit.name) aliases.push(label);
        matched.set(unit, aliases);
      }
      const shown = [...matched].map(([unit, aliases]) =>
        aliases.length ? `${unit.name}（${aliases.join("、")}）` : unit.name,
      );
      if (shown.length === 0) return `未知单位「${text}」，请检查名称，或先用「casebot units import」导入该单位。`;
      return `未知单位「${text}」，您是不是要找：${shown.join("、")}？`;
    },
  };
}

export async function loadUnitDirectory(db: Pick<Db, "unit">): Promise<{ units: UnitRef[]; directory: UnitDirectory }> {
  const units = await db.unit.findMany({ select: { id: true, name: true, aliases: true }, orderBy: { id: "asc" } });
  return { units, directory: unitDirectory(units) };
}

export interface PeopleImportResult {
  problems: Problem[];
  created: number;
  updated: number;
  unchanged: number;
}

async function readOrProblem(file: WorkbookInput, required: string[], optional: string[]) {
  try {
    return { table: await readTable(file, required, optional), problems: [] as Problem[] };
  } catch (error) {
    if (!(error instanceof SpreadsheetError)) throw error;
    return { table: null, problems: [{ row: 0, column: "", message: error.message }] };
  }
}

function actorFor(file: WorkbookInput, what: string): string {
  return typeof file === "string" ? `导入${what}（${basename(file)}）` : `导入${what}`;
}

/** A name as stored: as written, without any spaces (full-width ones included). */
function cleanName(s: string): string {
  return s.replace(/[\s\u200b-\u200d\ufeff]+/g, "");
}

/** 单位 (full name) and 简称 (aliases separated by 、): creates new units, adds new aliases to known ones. */
export async function importUnits(db: Db, file: WorkbookInput): Promise<PeopleImportResult> {
  const { table, problems } = await readOrProblem(file, ["单位"], ["简称"]);
  const result: PeopleImportResult = { problems, created: 0, updated: 0, unchanged: 0 };
  if (!table) return result;
  const existing = await db.unit.findMany({ select: { id: true, name: true, aliases: true } });
  // Which unit (by full name) each name or alias belongs to, to refuse a short name that would be ambiguous.
  const owner = new Map<string, string>();
  const claim = (label: string, unitName: string) => {
    if (!owner.has(matchKey(label))) owner.set(matchKey(label), unitName);
  };
  for (const u of existing) claim(u.name, u.name);
  for (const u of existing) for (const a of u.aliases) claim(a, u.name);

  const wanted = new Map<string, { name: string; aliases: string[] }>();
  for (const { row, text } of table.rows) {
    const written = cleanName(text.单位 ?? "");
    if (written === "") {
      problems.push({ row, column: "单位", message: "单位名称为空" });
      continue;
    }
    const name = owner.get(matchKey(written)) ?? written;
    if (matchKey(name) !== matchKey(written)) {
      problems.push({ row, column: "单位", message: `「${written}」已是「${name}」的简称，请写全称「${name}」` });
      continue;
    }
    claim(name, name);
    const entry = wanted.get(name) ?? { name, aliases: [] };
    wanted.set(name, entry);
    for (const alias of splitList(text.简称 ?? "").map(cleanName)) {
      const holder = owner.get(matchKey(alias));
      if (holder !== undefined && holder !== name) {
        problems.push({
          row,
          column: "简称",
          message: `简称「${alias}」已属于「${holder}」，同一简称不能指向两个单位`,
        });
        continue;
      }
      claim(alias, name);
      if (matchKey(alias) !== matchKey(name) && !entry.aliases.includes(alias)) entry.aliases.push(alias);
    }
  }
  if (problems.length > 0) return result;

  const byName = new Map(existing.map((u) => [u.name, u]));
  const actorLabel = actorFor(file, "单位");
  await db.$transaction(async (tx) => {
    const events: EventInput[] = [];
    for (const { name, aliases } of wanted.values()) {
      const current = byName.get(name);
      if (!current) {
        await tx.unit.create({ data: { name, aliases } });
        events.push({ actorLabel, action: "unit.created", after: { name, aliases } });
        result.created++;
        continue;
      }
      const added = aliases.filter((a) => !current.aliases.some((c) => matchKey(c) === matchKey(a)));
      if (added.length === 0) {
        result.unchanged++;
        continue;
      }
      const merged = [...current.aliases, ...added];
      await tx.unit.update({ where: { id: current.id }, data: { aliases: merged } });
      events.push({
        actorLabel,
        action: "unit.updated",
        before: { name, aliases: current.aliases },
        after: { name, aliases: merged },
      });
      result.updated++;
    }
    await recordEvents(tx, events);
  });
  return result;
}

const ROLE_WORDS: Record<string, PersonRole> = {
  管理员: "admin",
  督办员: "admin",
  主要领导: "leader",
  分管领导: "leader",
  联络人: "liaison",
  经办人: "handler",
};

function personRole(text: string): PersonRole | undefined {
  const t = matchKey(text);
  return codeOf(PERSON_ROLE_LABEL, t) ?? ROLE_WORDS[t];
}

/**
 * 姓名, 企业微信ID, 单位, 角色, optional 手机. Updates the person with the same 企业微信ID; without an ID, the
 * person with the same name in the same unit. Liaisons and handlers need a unit; admins and leaders may have none.
 */
export async function importMembers(db: Db, file: WorkbookInput): Promise<PeopleImportResult> {
  const { table, problems } = await readOrProblem(file, ["姓名", "企业微信ID", "单位", "角色"], ["手机"]);
  const result: PeopleImportResult = { problems, created: 0, updated: 0, unchanged: 0 };
  if (!table) return result;
  const { directory } = await loadUnitDirectory(db);
  type Member = {
    row: number;
    name: string;
    userid: string | null;
    unitId: number | null;
    role: PersonRole;
    mobile: string | null;
  };
  const members: Member[] = [];
  const useridRows = new Map<string, number>();
  for (const { row, text } of table.rows) {
    const bad = (column: string, message: string) => problems.push({ row, column, message });
    const name = trimText(text.姓名 ?? "").replace(/[\s\u3000]+/g, "");
    if (name === "") bad("姓名", "姓名为空");
    const userid = trimText(text.企业微信ID ?? "").normalize("NFKC") || null;
    if (userid) {
      const first = useridRows.get(userid);
      if (first !== undefined) bad("企业微信ID", `企业微信ID「${userid}」与第${first}行重复`);
      else useridRows.set(userid, row);
    }
    const role = personRole(text.角色 ?? "");
    if (!role)
      bad(
        "角色",
        `角色「${text.角色 ?? ""}」无法识别，应为 督办/领导/联络员/承办人（或 admin/leader/liaison/handler）`,
      );
    const unitText = text.单位 ?? "";
    let unitId: number | null = null;
    if (unitText !== "") {
      const unit = directory.find(unitText);
      if (unit) unitId = unit.id;
      else bad("单位", directory.unknownMessage(unitText));
    } else if (role === "liaison" || role === "handler") {
      bad("单位", `${PERSON_ROLE_LABEL[role]}必须填写所在单位`);
    }
    const mobileText = (text.手机 ?? "").normalize("NFKC").replace(/[\s-]+/g, "");
    const mobile = mobileText === "" ? null : mobileText;
    if (mobile && !/^\+?\d{5,20}$/.test(mobile)) bad("手机", `手机号码「${text.手机}」格式不对`);
    if (name !== "" && role) members.push({ row, name, userid, unitId, role, mobile });
  }
  if (problems.length > 0) return result;

  const actorLabel = actorFor(file, "成员");
  await db.$transaction(async (tx) => {
    const people = await tx.person.findMany({
      select: { id: true, name: true, userid: true, unitId: true, role: true, mobile: true },
    });
    const byUserid = new Map(people.filter((p) => p.userid).map((p) => [p.userid, p]));
    // Without a WeCom ID a member is known by name and unit, among those not yet bound to an ID.
    const byNameUnit = new Map(people.filter((p) => !p.userid).map((p) => [`${p.name}|${p.unitId}`, p]));
    const events: EventInput[] = [];
    for (const m of members) {
      const current = (m.userid ? byUserid.get(m.userid) : undefined) ?? byNameUnit.get(`${m.name}|${m.unitId}`);
      const data = {
        name: m.name,
        userid: m.userid ?? current?.userid ?? null,
        unitId: m.unitId,
        role: m.role,
        mobile: m.mobile ?? current?.mobile ?? null,
      };
      if (!current) {
        await tx.person.create({ data });
        events.push({ actorLabel, action: "person.created", after: data });
        result.created++;
        continue;
      }
      const before = {
        name: current.name,
        userid: current.userid,
        unitId: current.unitId,
        role: current.role,
        mobile: current.mobile,
      };
      if (JSON.stringify(before) === JSON.stringify(data)) {
        result.unchanged++;
        continue;
      }
      await tx.person.update({ where: { id: current.id }, data: { ...data, active: true } });
      events.push({ actorLabel, action: "person.updated", before, after: data });
      result.updated++;
    }
    await recordEvents(tx, events);
  });
  return result;
}
