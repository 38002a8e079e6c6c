// `npm run bench [-- section …]`: runs the benchmarks, prints a report, and writes bench/results/latest.json
// (plus a dated copy and Markdown). A section not run keeps its last figures.
import { execSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import pg from "pg";
import { createTestDatabase } from "../test/support/postgres.ts";
import { benchCommands } from "./commands.ts";
import { benchImport } from "./import.ts";
import { benchScheduler } from "./scheduler.ts";
import { benchSoak } from "./soak.ts";

type Report = Record<string, unknown> & { machine?: string; date?: string };

const SECTIONS: Record<string, () => Promise<Record<string, number>>> = {
  import: async () => {
    const database = await createTestDatabase();
    try {
      return { ...(await benchImport(database.url)) };
    } finally {
      await database.drop();
    }
  },
  scheduler: benchScheduler,
  // SOAK_SECONDS (default 300) of load with Redis restarts.
  soak: benchSoak,
  commands: async () => {
    const database = await createTestDatabase();
    try {
      return await benchCommands(database.url);
    } finally {
      await database.drop();
    }
  },
};

async function machine(): Promise<string> {
  const client = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1/postgres",
  });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
  await client.end();
  let redis = "unknown";
  try {
    redis = execSync("redis-server --version", { encoding: "utf8" }).match(/v=(\S+)/)?.[1] ?? redis;
  } catch {}
  const memory = `${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  return `${os.cpus().length} cores, ${memory}, Node ${process.version}, PostgreSQL ${rows[0]?.server_version}, Redis ${redis}`;
}

function markdown(report: Report): string {
  const lines = [`# casebot benchmarks`, "", `- machine: ${report.machine}`, `- date: ${report.date}`, ""];
  for (const [section, figures] of Object.entries(report)) {
    if (section === "machine" || section === "date") continue;
    lines.push(`## ${section}`, "", "| figure | value |", "| --- | --- |");
    for (const [name, value] of Object.entries(figures as Record<string, number>)) lines.push(`| ${name} | ${value} |`);
    lines.push("");
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const unknown = wanted.filter((s) => !(s in SECTIONS));
  if (unknown.length) {
    process.stderr.write(`unknown section(s): ${unknown.join(", ")}; known: ${Object.keys(SECTIONS).join(", ")}\n`);
    process.exit(2);
  }
  const dir = new URL("./results/", import.meta.url);
  await mkdir(dir, { recursive: true });
  const latest = new URL("latest.json", dir);
  const report: Report = JSON.parse(await readFile(latest, "utf8").catch(() => "{}"));
  report.machine = await machine();
  report.date = new Date().toISOString();
  for (const section of wanted.length ? wanted : Object.keys(SECTIONS)) {
    process.stdout.write(`bench: ${section} …\n`);
    report[section] = await SECTIONS[section]?.();
    process.stdout.write(`bench: ${section} ${JSON.stringify(report[section])}\n`);
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(latest, json);
  await writeFile(new URL(`${report.date.slice(0, 10)}.json`, dir), json);
  await writeFile(new URL("latest.md", dir), markdown(report));
  process.stdout.write(`\n${markdown(report)}\nwritten to bench/results/latest.json and latest.md\n`);
}

await main();
