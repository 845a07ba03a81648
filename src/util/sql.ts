/** A SQL string literal: single quotes doubled, the whole in single quotes (DuckDB, Athena). */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
