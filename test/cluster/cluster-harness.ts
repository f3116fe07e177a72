import Redis from 'ioredis';
import { execFileSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { api, FIXTURE_WORKSPACE, makeTempDir, removeDirs, waitFor } from '../support/app-harness';
import { ServiceProcess, spawnService } from '../support/service-process';
import { createDatabase, dropDatabase, psql } from '../support/test-database';

export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** A database index of its own on the machine's Redis, which the tests flush. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/5';

export function redis(...args: string[]): string {
  const url = new URL(REDIS_URL);
  const db = url.pathname.slice(1) || '0';
  return execFileSync('redis-cli', ['-h', url.hostname, '-p', url.port || '6379', '-n', db, ...args], {
    encoding: 'utf8',
  }).trim();
}

/** Every broadcast the stream holds now, with its seq. */
export async function streamEntries(): Promise<{ seq: number; envelope: any }[]> {
  const client = new Redis(REDIS_URL);
  try {
    const entries = (await client.xrange('{mc}:broadcast', '-', '+')) as [string, string[]][];
    // Each entry is one publish: its messages' envelopes joined by line breaks, from seq <entry id> on.
    return entries.flatMap(([id, fields]) => {
      const first = Number(id.split('-')[0]);
      return fields[fields.indexOf('p') + 1]
        .split('\n')
        .map((prefix, k) => ({ seq: first + k, envelope: JSON.parse(`${prefix},"seq":${first + k}}`) }));
    });
  } finally {
    client.disconnect();
  }
}

export interface Instance {
  id: string;
  process: ServiceProcess;
  url: string;
  wsUrl: string;
}

/** Three (or more) instances of the built service on one fresh PostgreSQL database and one Redis. */
export class Cluster {
  readonly instances = new Map<string, Instance>();
  private constructor(
    readonly databaseUrl: string,
    readonly workspace: string,
    readonly base: string,
    private readonly env: Record<string, string>,
    readonly redisUrl: string,
  ) {}

  /** On the machine's Redis (database 5, flushed), or on `redisUrl`, a Redis of the caller's own left as it is. */
  static async create(env: Record<string, string> = {}, redisUrl = REDIS_URL): Promise<Cluster> {
    const base = await makeTempDir('mc-cluster-');
    const workspace = join(base, 'workspace');
    await cp(FIXTURE_WORKSPACE, workspace, { recursive: true });
    const url = createDatabase(ADMIN_URL, `mc_cluster_${process.pid}_${Date.now().toString(36)}`);
    if (redisUrl === REDIS_URL) redis('FLUSHDB');
    return new Cluster(url, workspace, base, env, redisUrl);
  }

  async start(...ids: string[]): Promise<Instance[]> {
    return Promise.all(ids.map((id) => this.startOne(id)));
  }

  /** Starts one instance with variables of its own on top of the cluster's. */
  async startOne(id: string, env: Record<string, string> = {}): Promise<Instance> {
    const proc = spawnService('dist/main.js', [], {
      MC_DATABASE_URL: this.databaseUrl,
      MC_REDIS_URL: this.redisUrl,
      MC_INSTANCE_ID: id,
      MC_WORKSPACE: this.workspace,
      MC_DATA_DIR: join(this.base, `data-${id}`),
      MC_BACKUP_DIR: join(this.base, 'backups'),
      MC_OPENCLAW: 'off',
      ...this.env,
      ...env,
    });
    const url = await proc.url();
    const ws = await waitFor(
      async () => proc.output().match(/WebSocket gateway on (ws:\/\/[^\s]+)/)?.[1],
      30_000,
      `${id}'s gateway`,
    );
    const instance = { id, process: proc, url, wsUrl: ws };
    this.instances.set(id, instance);
    return instance;
  }

  get(id: string): Instance {
    return this.instances.get(id) as Instance;
  }

  async health(id: string) {
    return (await api(this.get(id).url, '/api/health')).body;
  }

  /** The instance that says it leads, once exactly one of those asked does. */
  async leader(ids = [...this.instances.keys()], timeoutMs = 15_000): Promise<string> {
    return waitFor(
      async () => {
        const roles = await Promise.all(ids.map(async (id) => [id, (await this.health(id)).instance.role] as const));
        const leaders = roles.filter(([, role]) => role === 'leader');
        return leaders.length === 1 ? leaders[0][0] : undefined;
      },
      timeoutMs,
      'exactly one leader',
    );
  }

  query(sql: string): string[] {
    return psql(this.databaseUrl, sql).split('\n').filter(Boolean);
  }

  kill(id: string): Promise<unknown> {
    const instance = this.get(id);
    this.instances.delete(id);
    instance.process.child.kill('SIGKILL');
    return instance.process.exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => i.process.stop()));
    this.instances.clear();
  }

  /** Runs the built command line on the cluster's folders, against `databaseUrl` (the cluster's by default). */
  async cli(args: string[], databaseUrl = this.databaseUrl): Promise<{ code: number | null; output: string }> {
    const run = spawnService('dist/cli/cli.js', args, {
      MC_DATABASE_URL: databaseUrl,
      MC_WORKSPACE: this.workspace,
      MC_DATA_DIR: join(this.base, 'data-cli'),
      MC_BACKUP_DIR: join(this.base, 'backups'),
      MC_OPENCLAW: 'off',
    });
    const { code } = await run.exited;
    return { code, output: run.output() };
  }

  async close(): Promise<void> {
    await this.stopAll();
    dropDatabase(ADMIN_URL, new URL(this.databaseUrl).pathname.slice(1));
    await removeDirs(this.base);
  }
}

/** Stops the machine's Redis (it keeps nothing on disk, so it comes back empty). */
export function stopRedis(): void {
  redis('SHUTDOWN', 'NOSAVE');
}

/** Starts it again as the machine starts it (scripts/ci-services.sh), and waits for it to answer. */
export async function startRedis(): Promise<void> {
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'ci-services.sh')], { stdio: 'ignore' });
}
