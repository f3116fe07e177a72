import { ApiProperty } from '@nestjs/swagger';

export class ServiceHealthDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';
  [detail: string]: unknown;
}

export class HealthDto {
  /** healthy: all up; degraded: the service runs but something is missing (workspace, disk); unhealthy: the database is down (503). */
  @ApiProperty({ enum: ['healthy', 'degraded', 'unhealthy'] })
  status!: 'healthy' | 'degraded' | 'unhealthy';
  /** ISO 8601. */
  timestamp!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ServiceHealthDto' },
    example: { api: { status: 'up' }, database: { status: 'up' }, workspace: { status: 'up', agents: 12 }, disk: { status: 'up' } },
  })
  services!: Record<string, ServiceHealthDto>;
}
