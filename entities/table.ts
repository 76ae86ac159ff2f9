/**
 * A table's rows as the entity declares them: what the projections insert and the readers read is
 * taken from the entity's TypeORM column decorators (each column's property, database name, type
 * and nullability), so a column is declared once, in its entity.
 *
 * A row is an object keyed by the entity's column properties ({@link Row}): a missing or an extra
 * key is a compile error. The column order, the database names and a converter per column are
 * computed once, when {@link tableOf} runs (at module load); turning a row into the positional
 * values the executors bind is one loop over the columns, and reading one back another.
 */
import { getMetadataArgsStorage } from 'typeorm';

/**
 * The column properties of entity `E`: its definite (`!`) properties. A relation is declared
 * optional (`conversation?: ConversationEntity`, for its foreign key) and is not a column.
 */
export type ColumnKey<E> = { [K in keyof E]-?: Partial<Pick<E, K>> extends Pick<E, K> ? never : K }[keyof E] & string;

/** A row of entity `E`'s table: every column property, with the entity's type. */
export type Row<E> = { [K in ColumnKey<E>]: E[K] };

/** One column of a table, as its entity declares it. */
export interface TableColumn<R> {
  /** The entity's property. */
  readonly property: keyof R & string;
  /** The column's name in the database. */
  readonly name: string;
  /** Its declared type (`varchar`, `text`, `bigint`, `integer`, `double precision`, `boolean`): the PostgreSQL type. */
  readonly pgType: string;
  readonly nullable: boolean;
}

/** The rows `R` of one table, in the entity's column order. */
export interface Table<R> {
  /** The table's name in the database. */
  readonly name: string;
  readonly columns: ReadonlyArray<TableColumn<R>>;
  /** The database names of {@link columns}, in order: an INSERT's column list. */
  readonly names: readonly string[];
  /** `INSERT INTO <name> (<names>) VALUES (?, …)`, one row, `?` placeholders. */
  readonly insertSql: string;
  /** The row's values in column order (what an INSERT of {@link names} binds). */
  readonly values: (row: R) => unknown[];
  /**
   * A stored row (as either driver returns it, keyed by column name) as the entity's types:
   * bigint and numeric columns as numbers, booleans from SQLite's 0/1, NULL as null.
   */
  readonly read: (stored: Readonly<Record<string, unknown>>) => R;
  /** The column of a property. */
  column(property: keyof R & string): TableColumn<R>;
  /** The same table restricted to some of its columns (still in the entity's order). */
  pick<K extends keyof R & string>(...properties: K[]): Table<Pick<R, K>>;
  /** The same table without some of its columns. */
  omit<K extends keyof R & string>(...properties: K[]): Table<Omit<R, K>>;
}

type Convert = (v: unknown) => unknown;

const toNumber: Convert = (v) => Number(v);
const toBoolean: Convert = (v) => v === true || v === 1 || v === '1' || v === 't';
const toText: Convert = (v) => String(v);
const orNull =
  (f: Convert): Convert =>
  (v) =>
    v === null || v === undefined ? null : f(v);

const CONVERTERS: Readonly<Record<string, Convert>> = {
  bigint: toNumber,
  integer: toNumber,
  'double precision': toNumber,
  boolean: toBoolean,
  varchar: toText,
  text: toText,
};

interface Spec<R> extends TableColumn<R> {
  readonly convert: Convert;
}

/**
 * The table of a decorated entity class, read from TypeORM's decorator metadata: its columns in
 * declaration order. Every column must name its database column and have one of the types above.
 *
 * @example
 * const MESSAGES = tableOf(MessageEntity);
 * await ctx.insert(MESSAGES.name, MESSAGES.names, messages.map(MESSAGES.values));
 */
export function tableOf<E>(entity: abstract new () => E): Table<Row<E>> {
  const storage = getMetadataArgsStorage();
  const table = storage.filterTables(entity)[0];
  if (table?.name === undefined) throw new Error(`${entity.name} is not an @Entity with a name`);
  const specs = storage.filterColumns(entity).map((c): Spec<Row<E>> => {
    const type = typeof c.options.type === 'string' ? c.options.type : undefined;
    const convert = type === undefined ? undefined : CONVERTERS[type];
    if (c.options.name === undefined || type === undefined || convert === undefined)
      throw new Error(`${entity.name}.${c.propertyName}: a column needs a name and one of the types ${Object.keys(CONVERTERS).join(', ')}`);
    const nullable = c.options.nullable === true;
    return {
      property: c.propertyName as keyof Row<E> & string,
      name: c.options.name,
      pgType: type,
      nullable,
      convert: nullable ? orNull(convert) : convert,
    };
  });
  return makeTable<Row<E>>(table.name, specs);
}

function makeTable<R>(name: string, specs: ReadonlyArray<Spec<R>>): Table<R> {
  const properties = specs.map((c) => c.property);
  const names = specs.map((c) => c.name);
  const byProperty = new Map<string, Spec<R>>(specs.map((c) => [c.property, c]));
  const count = specs.length;
  return {
    name,
    columns: specs.map(({ property, name: column, pgType, nullable }) => ({ property, name: column, pgType, nullable })),
    names,
    insertSql: `INSERT INTO ${name} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    values(row) {
      const out = new Array<unknown>(count);
      for (let i = 0; i < count; i++) out[i] = row[properties[i]!];
      return out;
    },
    read(stored) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        const c = specs[i]!;
        row[c.property] = c.convert(stored[c.name]);
      }
      return row as R;
    },
    column(property) {
      const c = byProperty.get(property);
      if (c === undefined) throw new Error(`${name} has no column ${property}`);
      return { property: c.property, name: c.name, pgType: c.pgType, nullable: c.nullable };
    },
    pick<K extends keyof R & string>(...picked: K[]): Table<Pick<R, K>> {
      const keep = new Set<string>(picked);
      return makeTable<Pick<R, K>>(name, specs.filter((c) => keep.has(c.property)) as unknown as ReadonlyArray<Spec<Pick<R, K>>>);
    },
    omit<K extends keyof R & string>(...omitted: K[]): Table<Omit<R, K>> {
      const drop = new Set<string>(omitted);
      return makeTable<Omit<R, K>>(name, specs.filter((c) => !drop.has(c.property)) as unknown as ReadonlyArray<Spec<Omit<R, K>>>);
    },
  };
}
