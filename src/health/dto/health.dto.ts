import { ApiProperty } from '@nestjs/swagger';

export class ServiceHealthDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';
  [detail: string]: unknown;
}

export class InstanceDto {
  /** MC_INSTANCE_ID: host name and process id unless set. */
  id!: string;
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
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ServiceHealthDto' },
    example: { api: { status: 'up' }, database: { status: 'up' }, workspace: { status: 'up', agents: 12 }, disk: { status: 'up', folders: { MC_DATA_DIR: { path: '/srv/mc/data', free_bytes: 52428800000, total_bytes: 107374182400, full: false, full_since: null } } } },
  })
  services!: Record<string, ServiceHealthDto>;
}
