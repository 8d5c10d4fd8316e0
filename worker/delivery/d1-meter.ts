/**
 * Runs the delivery cycle's statements and adds up what D1 reports for them (statements, rows read and
 * written): the numbers D1 bills, surfaced in every cycle summary and in `npm run bench`.
 */
export class D1Meter {
  statements = 0;
  rowsRead = 0;
  rowsWritten = 0;

  constructor(readonly db: D1Database) {}

  async all<T>(statement: D1PreparedStatement): Promise<T[]> {
    const result = await statement.all<T>();
    this.count(result);
    return result.results;
  }

  /** One transaction: every statement or none. */
  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const results = await this.db.batch<T>(statements);
    for (const result of results) this.count(result);
    return results;
  }

  private count(result: D1Result<unknown>) {
    this.statements += 1;
    this.rowsRead += result.meta.rows_read ?? 0;
    this.rowsWritten += result.meta.rows_written ?? 0;
  }

  totals() {
    return { statements: this.statements, rowsRead: this.rowsRead, rowsWritten: this.rowsWritten };
  }
}
