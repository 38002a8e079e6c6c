// Reading and writing the office's spreadsheets (exceljs). Reading finds the header row by name, so columns may come
// in any order, extra columns are ignored and a title row above the header is fine; every cell becomes trimmed text.
import ExcelJS from "exceljs";
import { type CalendarDate, isCalendarDate, parseCalendarDate } from "../domain/calendar.ts";

/** A workbook that cannot be read as the expected table; the message is for the operator, in Chinese. */
export class SpreadsheetError extends Error {}

export type WorkbookInput = string | Buffer | Uint8Array | ArrayBuffer;

export interface TableRow {
  /** The row number Excel shows (1-based), for messages. */
  row: number;
  /** Normalised text of each known column (missing columns read as ""). */
  text: Record<string, string>;
  /** The raw exceljs values, for dates. */
  raw: Record<string, ExcelJS.CellValue>;
}

export interface Table {
  sheetName: string;
  headerRow: number;
  /** The known columns found in the header. */
  columns: string[];
  rows: TableRow[];
}

// Title rows above the header are common ("2023年市政协提案交办清单"); the header is looked for this far down.
const HEADER_SEARCH_ROWS = 10;

/** Whitespace of every kind, including full-width spaces and zero-width characters. */
const SPACES = /[\s\u200b-\u200d\ufeff]+/g;

export function trimText(s: string): string {
  return s.replace(/^[\s\u200b-\u200d\ufeff]+|[\s\u200b-\u200d\ufeff]+$/g, "");
}

/** The form used to compare names: full-width folded to half-width (NFKC), all spaces removed. */
export function matchKey(s: string): string {
  return s.normalize("NFKC").replace(SPACES, "");
}

/** Splits a cell listing several names: 、，, ； ; and line breaks. */
export function splitList(s: string): string[] {
  return s
    .split(/[、，,；;\n\r]+/)
    .map((p) => trimText(p))
    .filter((p) => p !== "");
}

function headerKey(s: string): string {
  // "编号*" or "＊编号" marks a required column in some templates.
  return matchKey(s).replace(/[*＊]/g, "");
}

function dateText(d: Date): string {
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().slice(0, 10);
}

/** The value of a cell as trimmed text: rich text joined, formulas' results, hyperlinks' text, dates as YYYY-MM-DD. */
export function valueText(value: ExcelJS.CellValue, numFmt?: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return trimText(value);
  if (typeof value === "number") {
    // A number formatted "0000" shows 0484: keep what the operator sees.
    if (numFmt && /^0+$/.test(numFmt) && Number.isInteger(value)) return String(value).padStart(numFmt.length, "0");
    return String(value);
  }
  if (typeof value === "boolean") return value ? "是" : "否";
  if (value instanceof Date) return dateText(value);
  if ("richText" in value) return trimText(value.richText.map((r) => r.text).join(""));
  if ("hyperlink" in value) return valueText(value.text as ExcelJS.CellValue);
  if ("formula" in value || "sharedFormula" in value) return valueText(value.result as ExcelJS.CellValue, numFmt);
  if ("error" in value) return value.error;
  return "";
}

/** The underlying value: a formula's result, a hyperlink's text. */
function plainValue(value: ExcelJS.CellValue): ExcelJS.CellValue {
  if (value && typeof value === "object" && !(value instanceof Date)) {
    if ("formula" in value || "sharedFormula" in value) return (value.result ?? null) as ExcelJS.CellValue;
    if ("hyperlink" in value) return value.text as ExcelJS.CellValue;
  }
  return value;
}

/**
 * A date cell: an Excel date, an Excel serial number, or text 2023-08-31 / 2023/8/31 / 2023年8月31日 / 2023.8.31
 * (full-width digits too). Returns null when it is none of these.
 */
export function cellDate(raw: ExcelJS.CellValue, text: string): CalendarDate | null {
  const value = plainValue(raw);
  if (value instanceof Date) {
    const d = dateText(value);
    return isCalendarDate(d) ? d : null;
  }
  // A date typed into a cell formatted as a number: days since 1899-12-30 (Excel's epoch, 1900 system).
  if (typeof value === "number" && Number.isInteger(value) && value > 20000 && value < 80000) {
    return dateText(new Date(Date.UTC(1899, 11, 30) + value * 86_400_000));
  }
  const t = text.normalize("NFKC").replace(/\s+\d{1,2}:\d{2}(:\d{2})?$/, "");
  try {
    return parseCalendarDate(t);
  } catch {
    return null;
  }
}

async function loadWorkbook(input: WorkbookInput): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  try {
    if (typeof input === "string") await workbook.xlsx.readFile(input);
    else await workbook.xlsx.load(input as ArrayBuffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new SpreadsheetError(`找不到文件：${input}`);
    if (code === "EISDIR" || code === "EACCES") throw new SpreadsheetError(`无法读取文件：${input}`);
    throw new SpreadsheetError(
      "无法读取该文件：它不是有效的 Excel 工作簿（.xlsx）。如果是 .xls 或 .csv，请在 Excel 中另存为 .xlsx 后再导入。",
    );
  }
  return workbook;
}

/**
 * Reads the first worksheet that has a header row naming the `required` columns. `optional` columns are read when
 * present; any other column is ignored. Blank rows are skipped.
 */
export async function readTable(input: WorkbookInput, required: string[], optional: string[] = []): Promise<Table> {
  const workbook = await loadWorkbook(input);
  const known = [...required, ...optional];
  let best: { sheet: ExcelJS.Worksheet; row: number; found: Map<string, number> } | null = null;
  for (const sheet of workbook.worksheets) {
    const last = Math.min(sheet.rowCount, HEADER_SEARCH_ROWS);
    for (let r = 1; r <= last; r++) {
      const found = new Map<string, number>();
      sheet.getRow(r).eachCell((cell, col) => {
        const key = headerKey(valueText(cell.value));
        if (known.includes(key) && !found.has(key)) found.set(key, col);
      });
      if (found.size > (best?.found.size ?? 0)) best = { sheet, row: r, found };
    }
    if (best && required.every((c) => best?.found.has(c))) break;
  }
  if (!best) {
    throw new SpreadsheetError(`找不到表头行：前${HEADER_SEARCH_ROWS}行中没有「${required.join("」「")}」等列名。`);
  }
  const missing = required.filter((c) => !best.found.has(c));
  if (missing.length > 0) {
    throw new SpreadsheetError(
      `工作表「${best.sheet.name}」第${best.row}行是表头，但缺少必填列：${missing.join("、")}。` +
        `需要的列：${required.join("、")}。`,
    );
  }
  const { sheet, row: headerRow, found } = best;
  const rows: TableRow[] = [];
  sheet.eachRow((row, r) => {
    if (r <= headerRow) return;
    const text: Record<string, string> = {};
    const raw: Record<string, ExcelJS.CellValue> = {};
    let blank = true;
    for (const name of known) {
      const col = found.get(name);
      const cell = col === undefined ? undefined : row.getCell(col);
      raw[name] = cell?.value ?? null;
      text[name] = cell ? valueText(cell.value, cell.numFmt) : "";
      if (text[name] !== "") blank = false;
    }
    if (!blank) rows.push({ row: r, text, raw });
  });
  return { sheetName: sheet.name, headerRow, columns: [...found.keys()], rows };
}

export type CellInput = string | number | boolean | Date | null | undefined;

export interface SheetSpec {
  name: string;
  /** `numFmt: "@"` makes a column text, so Excel keeps what is typed there later (0484 stays 0484). */
  columns: { header: string; width?: number; numFmt?: string }[];
  rows: Iterable<CellInput[]> | AsyncIterable<CellInput[]>;
  /** Keep the header row in view while scrolling. */
  freezeHeader?: boolean;
}

function toCell(v: CellInput): ExcelJS.CellValue {
  if (typeof v === "boolean") return v ? "是" : "否";
  return v ?? null;
}

/** Writes sheets to an xlsx file, streaming rows so a ledger of many thousands of rows stays small in memory. */
export async function writeWorkbook(path: string, sheets: SheetSpec[]): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true });
  for (const spec of sheets) {
    const sheet = workbook.addWorksheet(spec.name, {
      views: spec.freezeHeader ? [{ state: "frozen", ySplit: 1 }] : [],
    });
    sheet.columns = spec.columns.map((c) => ({
      header: c.header,
      width: c.width ?? Math.max(10, c.header.length * 2 + 4),
      ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}),
    }));
    sheet.getRow(1).font = { bold: true };
    sheet.getRow(1).commit();
    for await (const values of spec.rows) {
      const row = sheet.addRow(values.map(toCell));
      row.eachCell((cell) => {
        if (cell.value instanceof Date) cell.numFmt = "yyyy-mm-dd";
      });
      row.commit();
    }
    sheet.commit();
  }
  await workbook.commit();
}

/** One sheet in memory, as a Buffer (for tests and for sending a file in chat). */
export async function workbookBuffer(spec: Omit<SheetSpec, "rows"> & { rows: CellInput[][] }): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(spec.name);
  sheet.columns = spec.columns.map((c) => ({ header: c.header, width: c.width ?? 14 }));
  for (const values of spec.rows) {
    const row = sheet.addRow(values.map(toCell));
    row.eachCell((cell) => {
      if (cell.value instanceof Date) cell.numFmt = "yyyy-mm-dd";
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
