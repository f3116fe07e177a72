import { Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AgentIdParams } from '../common/agent-id.dto';
import { ErrorDto } from '../common/error.dto';
import { ApiInsufficientStorageResponse } from '../common/insufficient-storage.exception';
import {
  AgentHistoryDto,
  AgentPeriodMetricsDto,
  CollectionDto,
  SystemHistoryDto,
  SystemStatusDto,
} from './dto/metrics.dto';
import { HistoryQuery, PeriodQuery } from './dto/metrics-query.dto';
import { MetricsCollectorService } from './metrics-collector.service';
import { MetricsService } from './metrics.service';
import { PrometheusService } from './prometheus.service';

@ApiTags('metrics')
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad parameter; `details` names it.' })
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly collector: MetricsCollectorService,
    private readonly prometheus: PrometheusService,
  ) {}

  /** One agent's figures over the last N hours (hours, default 24). */
  @Get('api/agents/:id/metrics')
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Agent not found.' })
  agentMetrics(@Param() params: AgentIdParams, @Query() query: PeriodQuery): Promise<AgentPeriodMetricsDto> {
    return this.metrics.agentPeriod(params.id, query.hours);
  }

  /** One agent's metric rows, oldest first, optionally downsampled by step. */
  @Get('api/agents/:id/history')
  @ApiNotFoundResponse({ type: ErrorDto, description: 'Agent not found.' })
  agentHistory(@Param() params: AgentIdParams, @Query() query: HistoryQuery): Promise<AgentHistoryDto> {
    return this.metrics.agentHistory(params.id, query);
  }

  /** The office map with positions in percent, and live fleet figures. */
  @Get('api/system/status')
  systemStatus(): Promise<SystemStatusDto> {
    return this.metrics.systemStatus();
  }

  /** System metric rows, oldest first, optionally downsampled by step. */
  @Get('api/system/metrics')
  systemMetrics(@Query() query: HistoryQuery): Promise<SystemHistoryDto> {
    return this.metrics.systemHistory(query);
  }

  /** Runs a collection now (it also runs every MC_METRICS_INTERVAL seconds). */
  @Post('api/system/metrics/collect')
  @ApiInsufficientStorageResponse()
  @HttpCode(200)
  async collect(): Promise<CollectionDto> {
    const { system, agents, duration_ms } = await this.collector.collect();
    return { system, agents: agents.length, duration_ms };
  }

  /** Prometheus text format. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOkResponse({
    description: 'Prometheus exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  prometheusText(): Promise<string> {
    return this.prometheus.render();
  }
}
