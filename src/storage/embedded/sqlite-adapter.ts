import { Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { Page, PageQuery } from '../../common/pagination.js';
import type { UpdateOutcome } from '../ports/records.js';
import { SqliteFile } from './sqlite-file.js';
import { assignments, IN_ACL, isUniqueViolation, RENAMED_COLUMNS, type Row } from './sqlite-rows.js';

/** Prepared statements per database, shared by every adapter on it: preparing costs more than running most of them. */
const PREPARED = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The base of every embedded metadata adapter: what they all do the same way (cached statements, point reads,
 * inserts, patches, pages). Each adapter is this class plus the SQL of one aggregate.
 */
@Injectable()
export abstract class SqliteAdapter {
  protected readonly db: Database.Database;
  private readonly statements: Map<string, Database.Statement>;

  constructor(file: SqliteFile) {
    this.db = file.db;
    let statements = PREPARED.get(this.db);
    if (statements === undefined) {
      statements = new Map();
      PREPARED.set(this.db, statements);
    }
    this.statements = statements;
  }

  protected sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  protected one<T>(sql: string, params: unknown[], map: (row: Row) => T): T | null {
    const row = this.sql(sql).get(...params) as Row | undefined;
    return row === undefined ? null : map(row);
  }

  protected all<T>(sql: string, params: unknown[], map: (row: Row) => T): T[] {
    return (this.sql(sql).all(...params) as Row[]).map(map);
  }

  /** Runs the insert; false when it collides with a unique key. */
  protected insertUnique(sql: string, params: unknown[]): boolean {
    try {
      this.sql(sql).run(...params);
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Sets the patch's columns of the row `where` selects and reads it back, in one immediate transaction. */
  protected updateRow<T>(
    table: string,
    where: string,
    keys: unknown[],
    patch: object,
    columns: Record<string, (value: never) => unknown>,
    map: (row: Row) => T,
  ): UpdateOutcome<T> {
    const [sets, values] = assignments(patch, columns);
    return this.db.transaction((): UpdateOutcome<T> => {
      if (sets.length > 0) {
        const sql = `UPDATE ${table} SET ${sets.map((s) => RENAMED_COLUMNS[s] ?? s).join(', ')} WHERE ${where}`;
        try {
          if (this.sql(sql).run(...values, ...keys).changes === 0) return 'missing';
        } catch (err) {
          if (isUniqueViolation(err)) return 'name-taken';
          throw err;
        }
      }
      return this.one(`SELECT * FROM ${table} WHERE ${where}`, keys, map) ?? 'missing';
    }).immediate();
  }

  /** Newest first by insertion sequence; the position handed out is the sequence number of the next page's head. */
  protected page<T>(table: string, where: string, params: unknown[], query: PageQuery, map: (row: Row) => T): Page<T> | null {
    let from = Number.MAX_SAFE_INTEGER;
    if (query.after !== undefined) {
      if (!/^\d+$/.test(query.after)) return null;
      from = Number(query.after);
      const exists = this.sql(`SELECT 1 FROM ${table} WHERE seq = ? AND ${where}`).get(from, ...params);
      if (exists === undefined) return null;
    }
    const total = this.sql(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get(...params) as number;
    const limit = query.size > 0 ? query.size + 1 : -1;
    const rows = this.sql(`SELECT * FROM ${table} WHERE seq <= ? AND ${where} ORDER BY seq DESC LIMIT ?`)
      .all(from, ...params, limit) as Row[];
    const hasMore = query.size > 0 && rows.length > query.size;
    const items = (hasMore ? rows.slice(0, query.size) : rows).map(map);
    return { items, next: hasMore ? String(rows[query.size].seq) : null, total };
  }

  /** Names of the project's rows in `table` whose ACL holds the user, in creation order. */
  protected aclNames(table: 'topics' | 'subscriptions', projectUuid: string, userUuid: string): string[] {
    return this.sql(`SELECT name FROM ${table} WHERE project_uuid = ? AND ${IN_ACL} ORDER BY seq`)
      .pluck()
      .all(projectUuid, userUuid) as string[];
  }
}

/** Adds the ACL condition of a list filter. */
export function withAcl(where: string, params: unknown[], aclUser: string | undefined): [string, unknown[]] {
  return aclUser === undefined ? [where, params] : [`${where} AND ${IN_ACL}`, [...params, aclUser]];
}
