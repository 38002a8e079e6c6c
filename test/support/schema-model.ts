// A comparable description of a database schema, built two ways: from schema.prisma (via Prisma's own parser, the
// wasm build, since the schema engine cannot be downloaded here) and from a live database. When the two agree, the
// committed migrations are what `prisma migrate diff` would have produced for schema.prisma.
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import pg from "pg";

// Column types as PostgreSQL's format_type() prints them, enums by their bare name; defaults normalised (see
// normaliseDefault); index columns as "col" or "col DESC"; `indexes` include unique ones but not the primary key.
export type ColumnModel = { type: string; nullable: boolean; default: string | null };
export type IndexModel = { name: string; columns: string[]; unique: boolean; method: string; where?: string };
export type ForeignKeyModel = {
  name: string;
  columns: string[];
  table: string;
  references: string[];
  onDelete: string;
  onUpdate: string;
};
export type TableModel = {
  columns: Record<string, ColumnModel>;
  primaryKey: { name: string; columns: string[] } | null;
  indexes: IndexModel[];
  foreignKeys: ForeignKeyModel[];
};
export type SchemaModel = { tables: Record<string, TableModel>; enums: Record<string, string[]> };

/** A default schema.prisma declares but whose SQL form we do not predict (dbgenerated): only its presence counts. */
export const ANY_DEFAULT = "(some default)";

// Only the parts of get_dmmf's answer that decide the database.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  isList: boolean;
  isRequired: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  isUpdatedAt: boolean;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
type DmmfModel = { name: string; dbName: string | null; fields: DmmfField[] };
type DmmfEnum = { name: string; dbName: string | null; values: { name: string; dbName: string | null }[] };
type DmmfIndex = { model: string; type: string; dbName?: string; algorithm?: string; fields: DmmfIndexField[] };
type DmmfIndexField = { name: string; sortOrder?: "asc" | "desc" };

const lookup = (pairs: string) =>
  Object.fromEntries(pairs.split(";").map((p) => p.split(":"))) as Record<string, string>;
const ACTIONS = lookup("Cascade:CASCADE;Restrict:RESTRICT;NoAction:NO ACTION;SetNull:SET NULL;SetDefault:SET DEFAULT");
const SCALAR_TYPES = lookup(
  "String:text;Int:integer;BigInt:bigint;Boolean:boolean;Float:double precision;Decimal:numeric(65,30);" +
    "DateTime:timestamp(3) without time zone;Json:jsonb;Bytes:bytea",
);
// Native types PostgreSQL prints other than lower-cased (@db.Uuid → uuid); # is where the precision goes.
const NATIVE_TYPES = lookup(
  "DoublePrecision:double precision;VarChar:character varying;Char:character;VarBit:bit varying;Decimal:numeric;" +
    "Timestamp:timestamp# without time zone;Timestamptz:timestamp# with time zone;" +
    "Time:time# without time zone;Timetz:time# with time zone",
);

function columnType(field: DmmfField, enumNames: Map<string, string>): string {
  let base = enumNames.get(field.type) ?? SCALAR_TYPES[field.type] ?? `unknown ${field.type}`;
  if (field.nativeType) {
    const [native, args] = field.nativeType;
    const name = NATIVE_TYPES[native] ?? native.toLowerCase();
    const params = args.length ? `(${args.join(",")})` : "";
    base = name.includes("#") ? name.replace("#", params) : `${name}${params}`;
  }
  return field.isList ? `${base}[]` : base;
}

/** Prisma's constraint names: `<table>_<columns>_<suffix>`, cut before the suffix to fit 63 bytes (ASCII assumed). */
function prismaName(table: string, columns: string[], suffix: string): string {
  return `${[table, ...columns].join("_").slice(0, 63 - suffix.length - 1)}_${suffix}`;
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function expectedDefault(field: DmmfField, table: string, column: string, enums: Map<string, DmmfEnum>): string | null {
  const value = field.default;
  if (value === undefined || field.isUpdatedAt) return null;
  if (Array.isArray(value)) return value.length === 0 ? "ARRAY[]" : ANY_DEFAULT;
  if (typeof value === "object" && value !== null) {
    const fn = (value as { name: string }).name;
    if (fn === "autoincrement") return `nextval('${quoteIdent(`${table}_${column}_seq`)}'::regclass)`;
    if (fn === "now") return "CURRENT_TIMESTAMP";
    if (fn === "dbgenerated") return ANY_DEFAULT;
    return null; // uuid(), cuid(), nanoid(), ulid(): filled in by the client, not the database
  }
  const en = enums.get(field.type);
  if (en) return en.values.find((v) => v.name === value)?.dbName ?? String(value);
  return String(value);
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`, "g");

type Dmmf = { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };

function parsePrismaSchema(text: string): Dmmf {
  try {
    return JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: text }))).datamodel;
  } catch (error) {
    // The parser throws JSON holding a terminal-coloured message; make it readable in a test report.
    const raw = (error as Error).message;
    const message = raw.startsWith("{") ? (JSON.parse(raw) as { message: string }).message : raw;
    throw new Error(`schema.prisma does not parse: ${message.replace(ANSI_COLOUR, "")}`);
  }
}

/** The description of the database that `prisma migrate diff` would create for this schema.prisma text. */
export function expectedFromPrismaSchema(schemaText: string): SchemaModel {
  const { models, enums, indexes } = parsePrismaSchema(schemaText);
  const enumByName = new Map(enums.map((e) => [e.name, e]));
  const enumNames = new Map(enums.map((e) => [e.name, e.dbName ?? e.name]));
  const modelByName = new Map(models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const columnOf = (m: DmmfModel, field: string) => m.fields.find((x) => x.name === field)?.dbName ?? field;

  const tables: Record<string, TableModel> = {};
  for (const model of models) {
    const table = tableOf(model);
    const t: TableModel = { columns: {}, primaryKey: null, indexes: [], foreignKeys: [] };
    for (const f of model.fields) {
      if (f.kind === "object") {
        if (!f.relationFromFields?.length) {
          // The other side holds the foreign key, unless this is an implicit many-to-many (a hidden join table).
          const back = modelByName.get(f.type)?.fields.find((x) => x.relationName === f.relationName && x !== f);
          if (!back?.relationFromFields?.length) throw new Error(`${model.name}.${f.name}: many-to-many not modelled`);
          continue;
        }
        const target = modelByName.get(f.type);
        if (!target) throw new Error(`relation ${model.name}.${f.name} to unknown model ${f.type}`);
        const columns = f.relationFromFields.map((c) => columnOf(model, c));
        t.foreignKeys.push({
          name: prismaName(table, columns, "fkey"),
          columns,
          table: tableOf(target),
          references: (f.relationToFields ?? []).map((c) => columnOf(target, c)),
          // Prisma's defaults: a required relation restricts deletes, an optional one clears the reference.
          onDelete: ACTIONS[f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull")] ?? "?",
          onUpdate: ACTIONS[f.relationOnUpdate ?? "Cascade"] ?? "?",
        });
        continue;
      }
      const column = f.dbName ?? f.name;
      t.columns[column] = {
        type: columnType(f, enumNames),
        // Prisma never writes NOT NULL on a scalar list column.
        nullable: !f.isRequired || f.isList,
        default: expectedDefault(f, table, column, enumByName),
      };
    }
    for (const ix of indexes.filter((i) => i.model === model.name)) {
      const columns = ix.fields.map((x) => columnOf(model, x.name));
      if (ix.type === "id") {
        t.primaryKey = { name: ix.dbName ?? prismaName(table, [], "pkey"), columns };
        continue;
      }
      const unique = ix.type === "unique";
      t.indexes.push({
        name: ix.dbName ?? prismaName(table, columns, unique ? "key" : "idx"),
        columns: ix.fields.map((x, i) => `${columns[i]}${x.sortOrder === "desc" ? " DESC" : ""}`),
        unique,
        method: (ix.algorithm ?? "BTree").toLowerCase(),
      });
    }
    tables[table] = t;
  }
  const enumModel: Record<string, string[]> = {};
  for (const e of enums) enumModel[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);
  return { tables, enums: enumModel };
}

// pg_constraint's one-letter referential actions, spelled out.
const ACTION_SQL = `(ARRAY['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT'])[strpos('arcnd', co.$)]`;

/** PostgreSQL prints defaults with casts ('PUBLIC'::"Disclosure", ARRAY[]::text[]); compare the values alone. */
function normaliseDefault(expr: string): string {
  let s = expr.trim();
  for (;;) {
    const stripped = s.replace(/::("[^"]+"|[a-z][a-z ]*(\(\d+(,\d+)?\))?)(\[\])*$/, "");
    if (stripped === s) break;
    s = stripped;
  }
  const quoted = /^'((?:[^']|'')*)'$/.exec(s);
  return quoted?.[1] !== undefined ? quoted[1].replaceAll("''", "'") : s;
}

/** The description read from a live database's current schema; `_prisma_migrations`, checks and triggers left out. */
export async function actualFromDatabase(url: string): Promise<SchemaModel> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql)).rows;
    const tableFilter = `n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`;
    const columns = await q<{ table: string; column: string; type: string; notnull: boolean; def: string | null }>(`
      SELECT c.relname AS table, a.attname AS column, a.attnotnull AS notnull,
             CASE WHEN t.typtype = 'e' THEN t.typname
                  WHEN et.typtype = 'e' THEN et.typname || '[]'
                  ELSE format_type(a.atttypid, a.atttypmod) END AS type,
             pg_get_expr(d.adbin, d.adrelid) AS def
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE ${tableFilter} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`);
    const indexes = await q<IndexModel & { table: string; primary: boolean; where: string | null }>(`
      SELECT c.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
             am.amname AS method, pg_get_expr(ix.indpred, ix.indrelid) AS where,
             ARRAY(SELECT coalesce(a.attname, pg_get_indexdef(ix.indexrelid, k, true))
                          || CASE WHEN ix.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                   FROM generate_series(1, ix.indnkeyatts) k
                   LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k - 1]
                   ORDER BY k) AS columns
      FROM pg_index ix JOIN pg_class c ON c.oid = ix.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam
      WHERE ${tableFilter} ORDER BY c.relname, i.relname`);
    const fks = await q<ForeignKeyModel & { from: string }>(`
      SELECT c.relname AS from, co.conname AS name, r.relname AS table,
             ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
             ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.o) AS references,
             ${ACTION_SQL.replace("$", "confdeltype")} AS "onDelete", ${ACTION_SQL.replace("$", "confupdtype")} AS "onUpdate"
      FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_class r ON r.oid = co.confrelid
      WHERE ${tableFilter} AND co.contype = 'f' ORDER BY c.relname, co.conname`);
    const enumRows = await q<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = current_schema() GROUP BY t.typname`);

    const tables: Record<string, TableModel> = {};
    const tableModel = (name: string) => {
      tables[name] ??= { columns: {}, primaryKey: null, indexes: [], foreignKeys: [] };
      return tables[name];
    };
    for (const c of columns) {
      tableModel(c.table).columns[c.column] = {
        type: c.type,
        nullable: !c.notnull,
        default: c.def === null ? null : normaliseDefault(c.def),
      };
    }
    for (const { table, primary, where, ...ix } of indexes) {
      if (primary) tableModel(table).primaryKey = { name: ix.name, columns: ix.columns };
      else tableModel(table).indexes.push(where ? { ...ix, where } : ix);
    }
    for (const { from, ...fk } of fks) tableModel(from).foreignKeys.push(fk);
    return { tables, enums: Object.fromEntries(enumRows.map((e) => [e.name, e.values])) };
  } finally {
    await client.end();
  }
}

const MISSING = "is in schema.prisma but not in the migrations — add a migration";
const EXTRA = "is in the migrations but not in schema.prisma — add it to schema.prisma or drop it in a migration";
const list = (xs: string[]) => xs.join(", ");
const byKey = <T>(xs: T[], key: (x: T) => string): Record<string, T> => Object.fromEntries(xs.map((x) => [key(x), x]));

function describeColumn(c: ColumnModel): string {
  return `${c.type}${c.nullable ? "" : " NOT NULL"}${c.default === null ? "" : ` DEFAULT ${c.default}`}`;
}
function describeIndex(ix: IndexModel): string {
  return `name ${ix.name} using ${ix.method}${ix.where ? ` where ${ix.where}` : ""}`;
}
function describeForeignKey(fk: ForeignKeyModel): string {
  return `${fk.name} → ${fk.table}(${list(fk.references)}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
}

/** Human-readable lines saying where the migrations and schema.prisma disagree; empty when they agree. */
export function describeDifferences(expected: SchemaModel, actual: SchemaModel): string[] {
  const out: string[] = [];
  const differs = (what: string, x: string, y: string) => {
    if (x !== y) out.push(`${what} differs: schema.prisma has ${x}, the migrations have ${y}`);
  };
  // Things present on one side only are reported by `label`; pairs are compared through `describe`.
  const compare = <T>(
    e: Record<string, T>,
    a: Record<string, T>,
    label: (k: string, x: T) => string,
    describe?: (x: T) => string,
  ) => {
    for (const [k, x] of Object.entries(e)) {
      const y = a[k];
      if (y === undefined) out.push(`${label(k, x)} ${MISSING}`);
      else if (describe) differs(label(k, x), describe(x), describe(y));
    }
    for (const [k, y] of Object.entries(a)) if (!(k in e)) out.push(`${label(k, y)} ${EXTRA}`);
  };
  compare(expected.enums, actual.enums, (n) => `enum ${n}`);
  for (const [n, values] of Object.entries(expected.enums)) {
    const other = actual.enums[n];
    if (!other) continue;
    const asSet = (xs: string[]) => byKey(xs, (v) => v);
    compare(asSet(values), asSet(other), (v) => `enum value ${n}.${v}`);
    const common = (xs: string[], ys: string[]) => list(xs.filter((x) => ys.includes(x)));
    differs(`order of enum ${n}`, common(values, other), common(other, values));
  }
  compare(expected.tables, actual.tables, (n) => `table ${n}`);
  for (const [n, e] of Object.entries(expected.tables)) {
    const a = actual.tables[n];
    if (!a) continue;
    // A default whose SQL form is not predicted matches any default the migrations give.
    const anyDefault = (c: string, col: ColumnModel) =>
      e.columns[c]?.default === ANY_DEFAULT && col.default !== null ? { ...col, default: ANY_DEFAULT } : col;
    const columns = Object.fromEntries(Object.entries(a.columns).map(([c, col]) => [c, anyDefault(c, col)]));
    compare(e.columns, columns, (c) => `column ${n}.${c}`, describeColumn);
    const pk = (t: TableModel) => (t.primaryKey ? `${t.primaryKey.name} (${list(t.primaryKey.columns)})` : "none");
    differs(`primary key of ${n}`, pk(e), pk(a));
    const ixKey = (ix: IndexModel) => `${ix.unique ? "unique index" : "index"} on ${n}(${list(ix.columns)})`;
    compare(
      byKey(e.indexes, ixKey),
      byKey(a.indexes, ixKey),
      (k, ix) => k.replace(" on ", ` ${ix.name} on `),
      describeIndex,
    );
    const fkKey = (fk: ForeignKeyModel) => `foreign key ${n}(${list(fk.columns)})`;
    compare(byKey(e.foreignKeys, fkKey), byKey(a.foreignKeys, fkKey), (k) => k, describeForeignKey);
  }
  return out;
}
