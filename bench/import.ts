// Benchmark of the 交办清单 import: a realistic 10,000-row list (2–4 units per case among 60 units, some written by
// their short names) into a fresh database, timed from reading the file to the committed transaction.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CASE_LIST_COLUMNS, importCaseList } from "../casework/import-cases.ts";
import { type CellInput, writeWorkbook } from "../casework/spreadsheet.ts";
import { createDb } from "../db/client.ts";
import { applyMigrations } from "../db/migrate.ts";

const ROWS = 10_000;
const UNIT_COUNT = 60;
// The template's columns without the optional deadline overrides.
const HEADER = CASE_LIST_COLUMNS.filter((c) => c !== "答复期限" && c !== "会办期限");
const TOPICS = [
  "招商引资",
  "乡村振兴",
  "城市更新",
  "养老服务",
  "义务教育",
  "医疗卫生",
  "生态环境",
  "交通出行",
  "文化旅游",
  "数字经济",
];
const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚";

/** A small deterministic generator, so every run imports the same list. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

export function benchUnits(): { name: string; aliases: string[] }[] {
  return Array.from({ length: UNIT_COUNT }, (_, i) => ({
    name: `市第${i + 1}承办局`,
    aliases: [`${i + 1}局`],
  }));
}

/** The rows of a realistic 交办清单: half 人大建议, half 政协提案, numbers with leading zeros. */
export function* benchRows(count: number): Generator<CellInput[]> {
  const next = random(20_231_123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const units = benchUnits();
  for (let i = 1; i <= count; i++) {
    const proposal = i % 2 === 0;
    const chosen = new Set<number>();
    const wanted = 2 + Math.floor(next() * 3);
    while (chosen.size < wanted) chosen.add(Math.floor(next() * UNIT_COUNT));
    const [lead, ...others] = [...chosen].map((u) => {
      const unit = units[u];
      return (next() < 0.2 ? unit?.aliases[0] : unit?.name) ?? "";
    });
    const separate = !proposal && next() < 0.1 ? others.splice(0, 1) : [];
    const joint = others.filter((_, k) => k % 2 === 0);
    const assist = others.filter((_, k) => k % 2 === 1);
    const proposers = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick([...SURNAMES]) + pick([...GIVEN]));
    yield [
      proposal ? "提案" : "建议",
      proposal ? "市政协五届二次会议" : "市十七届人大二次会议",
      String(Math.ceil(i / 2)).padStart(4, "0"),
      `关于加快${pick(TOPICS)}高质量发展的${proposal ? "提案" : "建议"}（${i}）`,
      proposers.join("、"),
      lead,
      separate.join("、"),
      joint.join("、"),
      assist.join("、"),
      next() < 0.05 ? "是" : "否",
      next() < 0.9 ? "主动公开" : "依申请公开",
      new Date(Date.UTC(2023, 2, 10 + Math.floor(next() * 20))),
    ];
  }
}

export async function writeBenchList(path: string, rows: number): Promise<void> {
  await writeWorkbook(path, [
    { name: "交办清单", columns: HEADER.map((header) => ({ header })), rows: benchRows(rows) },
  ]);
}

/** Imports a generated 10,000-row list into the (fresh) database at `url`; the file is written before timing. */
export async function benchImport(url: string): Promise<{ rows: number; rowsPerSecond: number }> {
  await applyMigrations(url);
  const db = createDb(url, { poolSize: 2 });
  const path = join(tmpdir(), `casebot-bench-import-${process.pid}-${Date.now()}.xlsx`);
  try {
    await db.unit.createMany({ data: benchUnits(), skipDuplicates: true });
    await writeBenchList(path, ROWS);
    const started = performance.now();
    const result = await importCaseList(db, path, { actorLabel: "基准测试" });
    const seconds = (performance.now() - started) / 1000;
    if (result.problems.length > 0 || result.created !== ROWS) {
      const first = result.problems[0];
      throw new Error(
        `基准导入失败：新建 ${result.created} 件，问题 ${result.problems.length} 个 ${first?.message ?? ""}`,
      );
    }
    return { rows: ROWS, rowsPerSecond: Math.round(ROWS / seconds) };
  } finally {
    await rm(path, { force: true });
    await db.$disconnect();
  }
}
