import { Controller, Get, Res } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { HealthDto } from './dto/health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Real checks of the API, database, workspace watcher and disk. */
  @Get()
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'The database is down.' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
    const report = await this.health.check();
    res.status(report.status === 'unhealthy' ? 503 : 200);
    return report;
  }
}
