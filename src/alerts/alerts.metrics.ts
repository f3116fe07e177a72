import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { PrometheusService } from '../metrics/prometheus.service';
import { SEVERITIES } from '../contracts/alerts';
import { AlertsService } from './alerts.service';

/** `mission_control_alerts_firing{severity}`, read from the firing alerts in memory when scraped. */
@Injectable()
export class AlertsMetrics {
  constructor(prometheus: PrometheusService, alerts: AlertsService) {
    new Gauge({
      name: 'mission_control_alerts_firing',
      help: 'Alerts firing now, by severity',
      labelNames: ['severity'],
      registers: [prometheus.registry],
      collect() {
        const counts = alerts.firingBySeverity();
        for (const severity of SEVERITIES) this.set({ severity }, counts[severity]);
      },
    });
  }
}
