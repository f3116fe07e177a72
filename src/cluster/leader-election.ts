import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { advisoryLockSql } from '../database/postgres-sql';

/** Any number, the same for every instance of a cluster: the advisory lock the leader holds. */
const LEADER_LOCK = 7_060_002;
const RETRY_MS = 5_000;

/**
 * Leadership by `pg_try_advisory_lock` on a connection of its own (not one of the pool, whose
 * connections come and go): the lock lives as long as that session. Followers try again every 5 s;
 * the leader checks its session as often, and steps down the moment it fails or closes, since the
 * server has then released the lock to another instance.
 */
export class LeaderElection {
  private readonly logger = new Logger('Cluster');
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  leader = false;

  constructor(
    private readonly url: string,
    private readonly applicationName: string,
    private readonly onChange: (leader: boolean) => void,
  ) {}

  start(): Promise<void> {
    return this.round();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // Closing the session releases the lock at once: another instance takes over at its next try.
    await this.drop();
  }

  private async round(): Promise<void> {
    try {
      if (!this.client) await this.connect();
      const client = this.client as Client;
      if (this.leader) await client.query(advisoryLockSql.ping);
      else if ((await client.query<{ ok: boolean }>(advisoryLockSql.tryLock, [LEADER_LOCK])).rows[0].ok)
        this.become(true);
    } catch (error) {
      this.logger.warn(`Leadership connection failed: ${(error as Error).message}`);
      await this.drop();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.round(), RETRY_MS);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: this.applicationName,
      keepAlive: true,
      connectionTimeoutMillis: RETRY_MS,
    });
    client.on('error', (error) => {
      this.logger.warn(`Leadership connection lost: ${error.message}`);
      void this.drop();
    });
    client.on('end', () => {
      if (this.client === client) void this.drop();
    });
    await client.connect();
    this.client = client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.become(false);
    await client?.end().catch(() => undefined);
  }

  private become(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.logger.log(leader ? 'This instance leads: it runs the scheduled and watching work' : 'This instance follows');
    this.onChange(leader);
  }
}
