/**
 * One CSV cell, safe to open in a spreadsheet (OWASP "CSV Injection"): text starting with `=`, `+`,
 * `-`, `@`, a tab or a carriage return gets a leading `'` so no spreadsheet runs it as a formula, and
 * such a cell is always quoted. A cell that is a plain number (`-1.5`, `+3`, `2e-3`) is data and is
 * written as it is. Cells holding `"`, `,`, CR or LF are quoted with `""` for `"`. Empty for null.
 */
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  const formula = FORMULA_START.test(s) && !PLAIN_NUMBER.test(s);
  const text = formula ? `'${s}` : s;
  return formula || /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
