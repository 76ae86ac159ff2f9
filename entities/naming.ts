import { DefaultNamingStrategy, type Table } from 'typeorm';

/**
 * TypeORM's naming, except foreign keys: named `<table>_<column>_fkey`, as PostgreSQL names the
 * constraints the migrations create (`REFERENCES …` without a name). On SQLite the migrations name
 * them so (`CONSTRAINT "<table>_<column>_fkey" FOREIGN KEY …`, the only name TypeORM reads back
 * there), so on both backends the declaration and the migrated schema agree and the schema
 * builder has nothing to change.
 */
export class ConversationLogNamingStrategy extends DefaultNamingStrategy {
  override foreignKeyName(tableOrName: Table | string, columnNames: string[]): string {
    const table = typeof tableOrName === 'string' ? tableOrName : tableOrName.name;
    return `${table.split('.').pop()!}_${columnNames.join('_')}_fkey`;
  }
}
