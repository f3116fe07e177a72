import { ApiProperty } from '@nestjs/swagger';

export class ServiceHealthDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';
  [detail: string]: unknown;
}

export class InstanceDto {
  /** MC_INSTANCE_ID: host name and process id unless set. */
  id!: string;
  /** leader: runs the scheduled work (collections, backups, retention, notifications) and broadcasts what watching finds; always so on SQLite. */
  @ApiProperty({ enum: ['leader', 'follower'] })
  role!: 'leader' | 'follower';
}

export class MemberDto {
  id!: string;
  @ApiProperty({ enum: ['leader', 'follower'] })
  role!: 'leader' | 'follower';
  /** ISO 8601: its last heartbeat (every 5 s; a member silent for 15 s is gone). */
  last_seen!: string;
}

export class BusDto {
  /** Both connections to Redis are ready. */
  up!: boolean;
  /** Messages on the bus this instance has not delivered yet; null when Redis does not answer. */
  lag!: number | null;
}

export class ClusterDto {
  /** The instances with a recent heartbeat (cluster mode), else this one. */
  members!: MemberDto[];
  /** The event bus (MC_REDIS_URL); null outside cluster mode. */
  bus!: BusDto | null;
}

export class HealthDto {
  /**
   * healthy: all up; degraded: the service runs but something is missing (workspace) or the disk is full or
   * nearly full (`services.disk`: `message`, and `folders` with each written folder's `path`, `free_bytes`,
   * `total_bytes`, `full` and `full_since`); unhealthy: the database is down (503).
   */
  @ApiProperty({ enum: ['healthy', 'degraded', 'unhealthy'] })
  status!: 'healthy' | 'degraded' | 'unhealthy';
  /** ISO 8601. */
  timestamp!: string;
  /** The process that answered. */
  instance!: InstanceDto;
  cluster!: ClusterDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ServiceHealthDto' },
    example: {
      api: { status: 'up' },
      database: { status: 'up' },
      workspace: { status: 'up', agents: 12 },
      disk: {
        status: 'up',
        folders: {
          MC_DATA_DIR: {
            path: '/srv/mc/data',
            free_bytes: 52428800000,
            total_bytes: 107374182400,
            full: false,
            full_since: null,
          },
        },
      },
    },
  })
  services!: Record<string, ServiceHealthDto>;
}
