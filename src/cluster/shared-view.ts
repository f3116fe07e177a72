import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ClusterService } from './cluster.service';

/** The leader's view of the workspace and OpenClaw: a hash of `version` and `body`. */
const VIEW = '{mc}:view';

/** Cluster mode: where the leader leaves its view of the sources (JSON) in Redis, and followers read it. */
@Injectable()
export class SharedView {
  private sharedVersion: string | null = null;

  constructor(private readonly cluster: ClusterService) {}

  /** The leader: hands its view to the followers; false while Redis is away. */
  async share(body: string): Promise<boolean> {
    const bus = this.cluster.joinedBus;
    if (!bus) return false;
    const version = randomUUID();
    const done = (await bus.ask(() => bus.connection.hset(VIEW, { version, body }))) !== undefined;
    if (done) this.sharedVersion = version;
    return done;
  }

  /** Whether Redis still holds the view this instance shared last (not lost, nor replaced by another leader's). */
  async holdsOwn(): Promise<boolean> {
    const bus = this.cluster.joinedBus;
    if (!bus || !this.sharedVersion) return false;
    return (await bus.ask(() => bus.connection.hget(VIEW, 'version'))) === this.sharedVersion;
  }

  /** A follower: the leader's view, unless its version is still `known`; null while Redis is away. */
  async read(known: string | null): Promise<{ version: string; body: string } | null> {
    const bus = this.cluster.joinedBus;
    const version = await bus?.ask(() => bus.connection.hget(VIEW, 'version'));
    if (!bus || !version || version === known) return null;
    const [latest, body] = (await bus.ask(() => bus.connection.hmget(VIEW, 'version', 'body'))) ?? [];
    return latest && body ? { version: latest, body } : null;
  }
}
