import { Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { ClusterService } from './cluster.service';
import { LeaderOnly, LeadershipHooks, LeaderWork } from './leader-only';
import { LeaderOnlyRegistry } from './leader-only.registry';

/** A stand-in for the election: the test decides the role and announces its changes. */
class Election {
  isLeader = false;
  clustered = true;
  claims: [string, string][] = [];
  claimFails = false;
  private readonly listeners: ((leader: boolean) => void)[] = [];

  get readsSources(): boolean {
    return !this.clustered || this.isLeader;
  }

  whenLeadershipChanges(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  async claim(job: string, slot: Date): Promise<boolean> {
    if (this.claimFails) throw new Error('the database is away');
    this.claims.push([job, slot.toISOString()]);
    return this.isLeader;
  }

  lead(leader: boolean): void {
    this.isLeader = leader;
    for (const listener of this.listeners) listener(leader);
  }
}

const log: string[] = [];

@Injectable()
@LeaderWork('sources')
class Source implements LeadershipHooks {
  startLeading(): void {
    log.push('source start');
  }
  stopLeading(): void {
    log.push('source stop');
  }
}

@Module({ providers: [Source] })
class SourceModule {}

@Injectable()
@LeaderWork()
class Job implements LeadershipHooks {
  ran: string[] = [];

  startLeading(): void {
    log.push('job start');
  }
  stopLeading(): void {
    log.push('job stop');
  }

  @LeaderOnly()
  tick(n: number): void {
    this.ran.push(`tick ${n}`);
  }

  @OnEvent('thing.happened')
  @LeaderOnly()
  onThing(): void {
    this.ran.push('event below');
  }

  @LeaderOnly()
  @OnEvent('thing.happened')
  onThingToo(): void {
    this.ran.push('event above');
  }

  @LeaderOnly({ job: 'nightly' })
  async slot(at: Date): Promise<void> {
    this.ran.push(`slot ${at.toISOString()}`);
  }
}

@Module({ imports: [SourceModule], providers: [Job] })
class JobModule {}

/** Starts after the modules it imports, as StatusService counts the agents the watcher read. */
@Injectable()
class Observer implements OnApplicationBootstrap {
  onApplicationBootstrap(): void {
    log.push('root start');
  }
}

async function start(election: Election) {
  @Module({
    imports: [EventEmitterModule.forRoot(), DiscoveryModule, JobModule],
    providers: [{ provide: ClusterService, useValue: election }, LeaderOnlyRegistry, Observer],
  })
  class RootModule {}
  const app = await NestFactory.createApplicationContext(RootModule, { logger: false });
  return { app, job: app.get(Job), events: app.get(EventEmitter2) };
}

/** Lets the registry's queued change run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LeaderOnlyRegistry', () => {
  beforeEach(() => (log.length = 0));

  it('runs no leader-only method and starts no leader work on a follower; starts both when leadership is gained, stops them when it is lost', async () => {
    const election = new Election();
    const { app, job, events } = await start(election);
    try {
      job.tick(1);
      events.emit('thing.happened');
      await job.slot(new Date('2026-01-01T00:00:00Z'));
      expect(job.ran).toEqual([]);
      expect(log).toEqual(['root start']);

      election.lead(true);
      await settle();
      // Sources first (their module starts first), then the work that reads them.
      expect(log).toEqual(['root start', 'source start', 'job start']);
      job.tick(2);
      events.emit('thing.happened');
      await job.slot(new Date('2026-01-01T06:00:00Z'));
      expect(job.ran).toEqual(['tick 2', 'event below', 'event above', 'slot 2026-01-01T06:00:00.000Z']);

      election.lead(false);
      await settle();
      expect(log).toEqual(['root start', 'source start', 'job start', 'job stop', 'source stop']);
      job.tick(3);
      events.emit('thing.happened');
      expect(job.ran).toHaveLength(4);
    } finally {
      await app.close();
    }
    // Leadership that comes while (or after) the application stops starts nothing.
    election.lead(true);
    await settle();
    expect(log).toHaveLength(5);
  });

  it("starts leader work on the leader as part of its class's own start, before modules that start later; claims each slot of a job, and skips a slot whose claim fails", async () => {
    const election = new Election();
    election.isLeader = true;
    const { app, job } = await start(election);
    try {
      expect(log).toEqual(['source start', 'job start', 'root start']);
      await job.slot(new Date('2026-01-01T00:00:00Z'));
      expect(election.claims).toEqual([['nightly', '2026-01-01T00:00:00.000Z']]);
      election.claimFails = true;
      await job.slot(new Date('2026-01-01T06:00:00Z'));
      expect(job.ran).toEqual(['slot 2026-01-01T00:00:00.000Z']);
    } finally {
      await app.close();
    }
  });

  it('reads the sources on every instance of PostgreSQL without Redis, where leader work stays on the leader', async () => {
    const election = new Election();
    election.clustered = false;
    const { app, job } = await start(election);
    try {
      expect(log).toEqual(['source start', 'root start']);
      election.lead(true);
      await settle();
      election.lead(false);
      await settle();
      expect(log).toEqual(['source start', 'root start', 'job start', 'job stop']);
      job.tick(1);
      expect(job.ran).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('runs leader-only methods of an instance no registry found (the command line: alone, it leads)', async () => {
    const job = new Job();
    job.tick(1);
    await job.slot(new Date('2026-01-01T00:00:00Z'));
    expect(job.ran).toEqual(['tick 1', 'slot 2026-01-01T00:00:00.000Z']);
  });
});
