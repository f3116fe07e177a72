import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ClusterService } from '../cluster/cluster.service';
import { DiskSpaceService } from '../common/disk-space.service';
import { AppConfig } from '../config/environment';
import { GatewaysService } from '../gateways/gateways.service';
import { MetricsCollectorService } from '../metrics/metrics-collector.service';
import { OpenClawService } from '../openclaw/openclaw.service';
import { RealtimeService } from '../realtime/realtime.service';
import { WorkspaceService } from '../workspace/workspace.service';
import { HealthDto, ServiceHealthDto } from './dto/health.dto';

/** The database is essential; everything else only degrades the service. */
const ESSENTIAL = new Set(['api', 'database']);

@Injectable()
export class HealthService {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly disk: DiskSpaceService,
    private readonly workspace: WorkspaceService,
    private readonly gateway: RealtimeService,
    private readonly openclaw: OpenClawService,
    private readonly config: AppConfig,
    private readonly cluster: ClusterService,
    private readonly collector: MetricsCollectorService,
    private readonly gateways: GatewaysService,
  ) {}

  async check(): Promise<HealthDto> {
    const [cluster, ...results] = await Promise.all([
      this.cluster.health(),
      this.indicators.check('api').up(),
      this.db.pingCheck('database', { timeout: 2000 }),
      this.checkWorkspace(),
      this.checkDisk(),
      this.checkWebSocket(),
      this.checkOpenClaw(),
      this.checkMetrics(),
      this.checkGateways(),
    ]);
    const bus = cluster.bus && { bus: { status: cluster.bus.up ? 'up' : 'down', lag: cluster.bus.lag } };
    const services = Object.assign({}, ...results, bus) as Record<string, ServiceHealthDto>;
    const down = Object.keys(services).filter((name) => services[name].status === 'down');
    const status = down.some((name) => ESSENTIAL.has(name)) ? 'unhealthy' : down.length ? 'degraded' : 'healthy';
    const instance = { id: this.config.get('MC_INSTANCE_ID', { infer: true }), role: cluster.role };
    return {
      status,
      timestamp: new Date().toISOString(),
      instance,
      cluster: { members: cluster.members, bus: cluster.bus },
      services,
    };
  }

  /** Free space of every folder written to; down while one is full (writes there get 507) or nearly full. */
  private async checkDisk() {
    const check = this.indicators.check('disk');
    const folders = await this.disk.report();
    const problem = this.disk.problem(folders);
    return problem ? check.down({ message: problem, folders }) : check.up({ folders });
  }

  private checkWebSocket() {
    const check = this.indicators.check('websocket');
    const { server_id: _id, ...figures } = this.gateway.stats();
    const port = this.gateway.port;
    return port === null ? check.down({ ...figures, message: 'not listening' }) : check.up({ ...figures, port });
  }

  /** OpenClaw is optional: a home that is not there is reported, not a fault; one that cannot be read at all is. */
  private checkOpenClaw() {
    const check = this.indicators.check('openclaw');
    const details = this.openclaw.health();
    const unreadable = details.state === 'partial' && details.sessions === 0 && details.agents === 0;
    return unreadable
      ? check.down({ ...details, message: 'nothing under the OpenClaw home could be read' })
      : check.up({ ...details, message: details.state });
  }

  /**
   * Down while the last collection here failed, or left agents out; the next one that records everything brings it up.
   */
  private checkMetrics() {
    const check = this.indicators.check('metrics');
    const last = this.collector.outcome();
    if (!last) return check.up({ last_collection_at: null });
    const details = { last_collection_at: last.at, failed_agents: last.failed };
    if (last.error) return check.down({ ...details, message: `The last metrics collection failed: ${last.error}` });
    if (!last.failed.length) return check.up(details);
    const which = last.failed.map((f) => `${f.agent_id} (${f.error})`).join('; ');
    return check.down({
      ...details,
      message: `The last metrics collection could not record ${last.failed.length} agent(s): ${which}`,
    });
  }

  /** OpenClaw gateways (see GatewaysService.health for what makes them down). */
  private checkGateways() {
    const check = this.indicators.check('gateways');
    const { status, ...details } = this.gateways.health();
    return status === 'up' ? check.up(details) : check.down(details);
  }

  /** A missing workspace degrades the service only when there is no OpenClaw home to show instead. */
  private checkWorkspace() {
    const check = this.indicators.check('workspace');
    const details = {
      path: this.workspace.missionControlDir,
      watching: this.workspace.watching,
      agents: this.workspace.listAgents().length,
    };
    if (this.workspace.available && this.workspace.watching) return check.up(details);
    const openclaw = this.openclaw.health().state;
    if (openclaw === 'ok' || openclaw === 'partial')
      return check.up({ ...details, message: "workspace folder not found; OpenClaw's own records are shown" });
    return check.down({ ...details, message: 'workspace folder not found' });
  }
}
