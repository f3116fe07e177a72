import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, getMetadataArgsStorage, QueryRunner } from 'typeorm';
import { AGENT_FIGURES, Figure, figureNames, Figures, FigureValues, SYSTEM_FIGURES } from '../contracts/metric-figures';
import { POSTGRES_MIGRATIONS } from '../database/migrations/postgres';
import { SQLITE_MIGRATIONS } from '../database/migrations/sqlite';
import { AgentMetric } from './agent-metric.entity';
import { AgentHistoryPointDto, AgentPeriodMetricsDto, SystemHistoryPointDto } from './dto/metrics.dto';
import { AGENT_INTERVAL_FIGURES, AgentIntervalFigure } from './metrics.repository';
import { SystemMetric } from './system-metric.entity';

/**
 * The figure list (contracts/metric-figures.ts) is the one list: the SQL and the row types derive from
 * it; the entities, the DTOs and the migrations restate it, and these tests fail when one drifts.
 */

/** The figures of an agent's period: its interval sums, task counts, mean task duration and rates. */
const PERIOD_FIGURES = [
  ...AGENT_INTERVAL_FIGURES,
  ...(['tasks_completed', 'tasks_failed', 'avg_task_duration', 'error_rate', 'success_rate'] as const),
];
type PeriodFigure = AgentIntervalFigure | (typeof PERIOD_FIGURES)[number];

type Flat<T> = { [K in keyof T]: T[K] };
/** True only when A and B have the same keys with the same types. */
type Same<A, B> = (<T>() => T extends Flat<A> ? 1 : 2) extends <T>() => T extends Flat<B> ? 1 : 2 ? true : false;
const same = <A, B>(proof: Same<A, B>) => proof;

// The DTOs, at compile time (ts-jest fails the suite on a type error): exactly the list's figures.
same<AgentHistoryPointDto, { timestamp: string } & FigureValues<typeof AGENT_FIGURES>>(true);
same<SystemHistoryPointDto, { timestamp: string } & FigureValues<typeof SYSTEM_FIGURES>>(true);
same<
  AgentPeriodMetricsDto,
  { agent_id: string; period_hours: number } & Pick<FigureValues<typeof AGENT_FIGURES>, PeriodFigure>
>(true);
same<AgentMetric, { id: number; agent_id: string; timestamp: string } & FigureValues<typeof AGENT_FIGURES>>(true);
same<
  SystemMetric,
  { id: number; timestamp: string; last_event_id: number | null } & FigureValues<typeof SYSTEM_FIGURES>
>(true);

interface ColumnShape {
  type: string;
  nullable: boolean;
  default: number | null;
}

/** What a figure's column must be: in an hourly rollup, an average of whole numbers is no longer whole. */
function expected(figure: Figure, hourly = false): ColumnShape {
  return {
    type: hourly && figure.rollup === 'AVG' ? 'real' : figure.type,
    nullable: figure.nullable === true,
    default: figure.default ?? null,
  };
}

function expectedColumns(figures: Figures, hourly: boolean): Record<string, ColumnShape> {
  return Object.fromEntries(figureNames(figures).map((name) => [name, expected(figures[name], hourly)]));
}

/** The figure columns of a table as `columns` describes them, the table's other columns named apart. */
function figuresOf(
  columns: Record<string, ColumnShape>,
  others: string[],
): { others: string[]; figures: Record<string, ColumnShape> } {
  const figures = Object.fromEntries(Object.entries(columns).filter(([name]) => !others.includes(name)));
  return { others: Object.keys(columns).filter((name) => others.includes(name)), figures };
}

const TABLES = [
  { table: 'agent_metrics', figures: AGENT_FIGURES, hourly: false, others: ['id', 'agent_id', 'timestamp'] },
  { table: 'system_metrics', figures: SYSTEM_FIGURES, hourly: false, others: ['id', 'timestamp', 'last_event_id'] },
  {
    table: 'agent_metrics_hourly',
    figures: AGENT_FIGURES,
    hourly: true,
    others: ['id', 'agent_id', 'timestamp', 'samples'],
  },
  { table: 'system_metrics_hourly', figures: SYSTEM_FIGURES, hourly: true, others: ['id', 'timestamp', 'samples'] },
];

describe('the metric figure list', () => {
  it.each([
    ['AgentMetric', AgentMetric, AGENT_FIGURES, ['id', 'agent_id', 'timestamp']],
    ['SystemMetric', SystemMetric, SYSTEM_FIGURES, ['id', 'timestamp', 'last_event_id']],
  ] as const)('matches the columns of the %s entity', (_name, entity, figures, others) => {
    const columns = Object.fromEntries(
      getMetadataArgsStorage()
        .columns.filter((column) => column.target === entity)
        .map(({ propertyName, options }) => [
          propertyName,
          { type: String(options.type), nullable: options.nullable === true, default: options.default ?? null },
        ]),
    );
    const found = figuresOf(columns, [...others]);
    expect(found.others.sort()).toEqual([...others].sort());
    expect(found.figures).toEqual(expectedColumns(figures, false));
  });

  it('matches the columns the SQLite migrations leave', async () => {
    const db = new DataSource({ type: 'sqlite', database: ':memory:', migrations: SQLITE_MIGRATIONS, logging: false });
    await db.initialize();
    try {
      await db.runMigrations();
      for (const { table, figures, hourly, others } of TABLES) {
        const rows: { name: string; type: string; notnull: number; dflt_value: string | null }[] = await db.query(
          `PRAGMA table_info("${table}")`,
        );
        const columns = Object.fromEntries(
          rows.map((row) => [
            row.name,
            { type: row.type.toLowerCase(), nullable: row.notnull === 0, default: numberOrNull(row.dflt_value) },
          ]),
        );
        const found = figuresOf(columns, others);
        expect([table, found.others.sort()]).toEqual([table, [...others].sort()]);
        expect([table, found.figures]).toEqual([table, expectedColumns(figures, hourly)]);
      }
    } finally {
      await db.destroy();
    }
  });

  it('matches the columns the PostgreSQL migrations create', async () => {
    const statements: string[] = [];
    const recorder = { query: async (sql: string) => void statements.push(sql) } as unknown as QueryRunner;
    for (const Migration of POSTGRES_MIGRATIONS) await new Migration().up(recorder);
    for (const { table, figures, hourly, others } of TABLES) {
      const create = statements.find((sql) => sql.startsWith(`CREATE TABLE "${table}" (`));
      if (!create) throw new Error(`No migration creates ${table}`);
      const columns: Record<string, ColumnShape> = {};
      // `"name" type [GENERATED …] [NOT NULL] [DEFAULT n]`, the definitions joined by commas.
      for (const definition of create.slice(create.indexOf('(') + 1, -1).split(', ')) {
        const [, name, type, rest] =
          /^"(\w+)" (integer|bigint|double precision|varchar\(\d+\))(.*)$/.exec(definition) ?? [];
        if (!name) throw new Error(`Cannot read "${definition}" of ${table}`);
        columns[name] = {
          // PostgreSQL's real is 4 bytes: SQLite's real (8 bytes) is double precision; counts may be bigint.
          type: type === 'double precision' ? 'real' : type.startsWith('varchar') ? type : 'integer',
          nullable: !rest.includes('NOT NULL') && !rest.includes('PRIMARY KEY'),
          default: numberOrNull(/DEFAULT (\S+)/.exec(rest)?.[1] ?? null),
        };
      }
      const found = figuresOf(columns, others);
      expect([table, found.others.sort()]).toEqual([table, [...others].sort()]);
      expect([table, found.figures]).toEqual([table, expectedColumns(figures, hourly)]);
    }
  });

  // The DTOs at run time, through the document the OpenAPI test holds to the live one.
  it.each([
    ['AgentHistoryPointDto', ['timestamp'], AGENT_FIGURES, figureNames(AGENT_FIGURES)],
    ['SystemHistoryPointDto', ['timestamp'], SYSTEM_FIGURES, figureNames(SYSTEM_FIGURES)],
    ['AgentPeriodMetricsDto', ['agent_id', 'period_hours'], AGENT_FIGURES, PERIOD_FIGURES],
  ] as const)('matches the %s of the published OpenAPI document', (schema, others, figures, names) => {
    const document = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/openapi.json'), 'utf8'));
    const properties: Record<string, { type?: string; nullable?: boolean }> =
      document.components.schemas[schema].properties;
    expect(Object.keys(properties).sort()).toEqual([...others, ...names].sort());
    for (const name of names) {
      expect([name, properties[name].type, properties[name].nullable === true]).toEqual([
        name,
        'number',
        (figures as Figures)[name].nullable === true,
      ]);
    }
  });
});

/** A default as SQL writes it (`0`, `(1)`), as a number; null when there is none. */
function numberOrNull(sql: string | null): number | null {
  return sql === null ? null : Number(sql.replace(/^\((.*)\)$/, '$1'));
}
