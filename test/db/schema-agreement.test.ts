// schema.prisma and the committed migrations must describe the same database: the Prisma client is generated from
// the one, production runs the other. The schema engine (`prisma migrate diff`) cannot run here, so we compare
// Prisma's parse of schema.prisma with what the migrations actually build.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from "../../db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import {
  actualFromDatabase,
  describeDifferences,
  expectedFromPrismaSchema,
  type SchemaModel,
} from "../support/schema-model.ts";

const SCHEMA_PATH = new URL("../../prisma/schema.prisma", import.meta.url);
const MISSING = "is in schema.prisma but not in the migrations — add a migration";

/** Inserts `line` just before the closing brace of `block` (e.g. "model Unit", "enum Rating"). */
function addToBlock(schema: string, block: string, line: string): string {
  const start = schema.indexOf(`\n${block} {\n`);
  if (start < 0) throw new Error(`no ${block} in schema.prisma`);
  const end = schema.indexOf("\n}", start + 1);
  return `${schema.slice(0, end)}\n  ${line}${schema.slice(end)}`;
}

let database: TestDatabase;
let schema: string;
let actual: SchemaModel;
const differencesWith = (text: string) => describeDifferences(expectedFromPrismaSchema(text), actual);

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
  await applyMigrations(database.url);
  schema = await readFile(SCHEMA_PATH, "utf8");
  actual = await actualFromDatabase(database.url);
});
afterAll(async () => {
  await database?.drop();
});

describe("schema.prisma and the migrations", () => {
  it("describe the same tables, columns, keys, indexes and enums", () => {
    expect(
      differencesWith(schema),
      "schema.prisma and prisma/migrations disagree: write the missing migration",
    ).toEqual([]);
    // Guard against a vacuous comparison: both sides really were read.
    const expected = expectedFromPrismaSchema(schema);
    expect(Object.keys(actual.tables).sort()).toEqual(Object.keys(expected.tables).sort());
    expect(Object.keys(actual.tables)).toContain("Assignment");
    expect(actual.tables.Assignment?.foreignKeys).toHaveLength(3);
    expect(actual.enums.AssignmentState).toContain("WITHDRAWN");
  });

  it("notices a column added to schema.prisma without a migration", () => {
    expect(differencesWith(addToBlock(schema, "model Unit", "nickname String?"))).toEqual([
      `column Unit.nickname ${MISSING}`,
    ]);
  });

  it("notices a new @@index", () => {
    expect(differencesWith(addToBlock(schema, "model Unit", "@@index([isOffice])"))).toEqual([
      `index Unit_isOffice_idx on Unit(isOffice) ${MISSING}`,
    ]);
  });

  it("notices an enum value added", () => {
    expect(differencesWith(addToBlock(schema, "enum Rating", "NEUTRAL"))).toEqual([
      `enum value Rating.NEUTRAL ${MISSING}`,
    ]);
  });

  it("notices changed types, nullability, defaults, uniqueness and referential actions", () => {
    const changed = schema
      .replace("  mobile    String?", "  mobile    String? @db.VarChar(20)")
      .replace("  summary         String?", "  summary         String")
      .replace("  attempts     Int          @default(0)", "  attempts     Int          @default(1)")
      .replace("  chatId     String   @unique", "  chatId     String")
      .replace(
        "unit      Unit         @relation(fields: [unitId], references: [id])",
        "unit      Unit         @relation(fields: [unitId], references: [id], onDelete: Cascade)",
      );
    expect(differencesWith(changed).sort()).toEqual(
      [
        "column Case.summary differs: schema.prisma has text NOT NULL, the migrations have text",
        "column Person.mobile differs: schema.prisma has character varying(20), the migrations have text",
        "foreign key Assignment(unitId) differs: schema.prisma has Assignment_unitId_fkey → Unit(id) ON DELETE CASCADE " +
          "ON UPDATE CASCADE, the migrations have Assignment_unitId_fkey → Unit(id) ON DELETE RESTRICT ON UPDATE CASCADE",
        "unique index GroupChat_chatId_key on GroupChat(chatId) is in the migrations but not in schema.prisma — " +
          "add it to schema.prisma or drop it in a migration",
        "column Outbox.attempts differs: schema.prisma has integer NOT NULL DEFAULT 1, " +
          "the migrations have integer NOT NULL DEFAULT 0",
      ].sort(),
    );
  });
});

describe("reading the database", () => {
  it("sees changes made in SQL, and still ignores our checks and triggers", async () => {
    const changed = await createTestDatabase();
    try {
      await changed.db.$executeRawUnsafe(`ALTER TABLE "Person" ALTER COLUMN "name" DROP NOT NULL`);
      await changed.db.$executeRawUnsafe(`ALTER INDEX "Case_number_idx" RENAME TO "Case_num_idx"`);
      await changed.db.$executeRawUnsafe(`ALTER TYPE "Rating" ADD VALUE 'NEUTRAL' BEFORE 'UNSATISFIED'`);
      await changed.db.$executeRawUnsafe(`CREATE INDEX "Unit_lower_idx" ON "Unit"(lower("name") DESC)`);
      await changed.db.$executeRawUnsafe(`ALTER TABLE "Unit" ADD CONSTRAINT "Unit_x_check" CHECK ("id" > 0)`);
      const differences = describeDifferences(expectedFromPrismaSchema(schema), await actualFromDatabase(changed.url));
      expect(differences.sort()).toEqual(
        [
          "column Person.name differs: schema.prisma has text NOT NULL, the migrations have text",
          "index Case_number_idx on Case(number) differs: schema.prisma has name Case_number_idx using btree, " +
            "the migrations have name Case_num_idx using btree",
          "enum value Rating.NEUTRAL is in the migrations but not in schema.prisma — " +
            "add it to schema.prisma or drop it in a migration",
          "index Unit_lower_idx on Unit(lower(name) DESC) is in the migrations but not in schema.prisma — " +
            "add it to schema.prisma or drop it in a migration",
        ].sort(),
      );
    } finally {
      await changed.drop();
    }
  });
});

// Features schema.prisma does not use yet, with SQL in the shape `prisma migrate diff` writes for them.
const SAMPLE_SCHEMA = `datasource db {
  provider = "postgresql"
}
enum Color {
  RED @map("red")
  GREEN
  @@map("color")
}
model Thing {
  a     Int      @map("a_col") @db.SmallInt
  b     String   @db.VarChar(20)
  price Decimal  @default(1.5)
  ratio Float    @default(-2)
  at    DateTime @default(now())
  label String   @default("it's")
  color Color    @default(RED)
  tags  Int[]
  gen   String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  big   BigInt   @default(5)
  parts Part[]
  @@id([a, b])
  @@index([price(sort: Desc), at])
  @@unique([label], map: "thing_label_uq")
  @@map("things")
}
model Part {
  id     Int    @id @default(autoincrement())
  thingA Int    @db.SmallInt
  thingB String @db.VarChar(20)
  thing  Thing  @relation(fields: [thingA, thingB], references: [a, b], onDelete: Cascade)
}`;
const SAMPLE_SQL = `CREATE TYPE "color" AS ENUM ('red', 'GREEN');
CREATE TABLE "things" (
    "a_col" SMALLINT NOT NULL, "b" VARCHAR(20) NOT NULL, "price" DECIMAL(65,30) NOT NULL DEFAULT 1.5,
    "ratio" DOUBLE PRECISION NOT NULL DEFAULT -2, "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "label" TEXT NOT NULL DEFAULT 'it''s', "color" "color" NOT NULL DEFAULT 'red', "tags" INTEGER[],
    "gen" UUID NOT NULL DEFAULT gen_random_uuid(), "big" BIGINT NOT NULL DEFAULT 5,
    CONSTRAINT "things_pkey" PRIMARY KEY ("a_col","b"));
CREATE TABLE "Part" ("id" SERIAL NOT NULL, "thingA" SMALLINT NOT NULL, "thingB" VARCHAR(20) NOT NULL,
    CONSTRAINT "Part_pkey" PRIMARY KEY ("id"));
CREATE INDEX "things_price_at_idx" ON "things"("price" DESC, "at");
CREATE UNIQUE INDEX "thing_label_uq" ON "things"("label");
ALTER TABLE "Part" ADD CONSTRAINT "Part_thingA_thingB_fkey" FOREIGN KEY ("thingA", "thingB")
    REFERENCES "things"("a_col", "b") ON DELETE CASCADE ON UPDATE CASCADE;`;

describe("the comparison itself", () => {
  it("handles mapped names, composite keys, sorted indexes, native types and defaults", async () => {
    const sample = await createTestDatabase({ migrated: false });
    try {
      await sample.db.$executeRawUnsafe(SAMPLE_SQL);
      const sampleActual = await actualFromDatabase(sample.url);
      expect(describeDifferences(expectedFromPrismaSchema(SAMPLE_SCHEMA), sampleActual)).toEqual([]);
      expect(sampleActual.tables.things?.columns.price).toEqual({
        type: "numeric(65,30)",
        nullable: false,
        default: "1.5",
      });
      // A plain DateTime is timestamp(3) without time zone: a migration that wrote TIMESTAMPTZ would be caught.
      await sample.db.$executeRawUnsafe(`ALTER TABLE "things" ALTER COLUMN "at" TYPE TIMESTAMPTZ(3)`);
      expect(
        describeDifferences(expectedFromPrismaSchema(SAMPLE_SCHEMA), await actualFromDatabase(sample.url)),
      ).toEqual([
        "column things.at differs: schema.prisma has timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, " +
          "the migrations have timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP",
      ]);
    } finally {
      await sample.drop();
    }
  });

  it("reports a schema.prisma that does not parse readably", () => {
    expect(() => expectedFromPrismaSchema(addToBlock(schema, "model Unit", "broken Nope"))).toThrow(
      /^schema.prisma does not parse: error: Type "Nope" is neither a built-in type/,
    );
  });
});

describe("the migrations directory", () => {
  it("keeps the layout `prisma migrate deploy` reads", async () => {
    const lock = await readFile(join(MIGRATIONS_DIR, "migration_lock.toml"), "utf8");
    expect(lock).toMatch(/^provider = "postgresql"$/m);
    const entries = (await readdir(MIGRATIONS_DIR)).filter((e) => e !== "migration_lock.toml");
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry, "each migration is a folder <14-digit timestamp>_<name>").toMatch(/^\d{14}_[A-Za-z0-9_]+$/);
      expect((await stat(join(MIGRATIONS_DIR, entry))).isDirectory(), entry).toBe(true);
      expect(await readdir(join(MIGRATIONS_DIR, entry)), entry).toContain("migration.sql");
    }
    // Applied in name order, i.e. by timestamp; two migrations of the same second would have no defined order.
    const stamps = entries.map((e) => e.slice(0, 14));
    expect(new Set(stamps).size).toBe(stamps.length);
    expect((await readMigrations()).map((m) => m.name)).toEqual([...entries].sort());
  });
});
