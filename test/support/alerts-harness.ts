import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlertEvaluator } from '../../src/alerts/alert-evaluator.service';
import { MetricsCollectorService } from '../../src/metrics/metrics-collector.service';
import { api, TestApp } from './app-harness';

export const TOKEN = 'alerts-token';
export const auth = { authorization: `Bearer ${TOKEN}` };
export const MIN = 60_000;

/** An app whose collections run only when a test asks, at the time it gives (the explicit clock). */
export function alertsHarness(t: () => TestApp) {
  const post = (path: string, json: unknown) => api(t().url, path, { method: 'POST', json, headers: auth });
  return {
    post,
    rule: async (body: Record<string, unknown>) => {
      const { status, body: rule } = await post('/api/alerts/rules', body);
      expect(status).toBe(201);
      return rule;
    },
    deleteRule: (id: string) => api(t().url, `/api/alerts/rules/${id}`, { method: 'DELETE', headers: auth }),
    alerts: async (ruleId: string) => (await api(t().url, `/api/alerts?rule_id=${ruleId}`)).body.alerts,
    /** Lets time pass: a collection at `at`, then every evaluation it asked for. */
    collectAt: async (at: number) => {
      await t().app.get(MetricsCollectorService).collect(at);
      await t().app.get(AlertEvaluator).settled();
    },
    settled: () => t().app.get(AlertEvaluator).settled(),
    writeAgent: async (id: string, state: Record<string, unknown>) => {
      await mkdir(join(t().mc, 'agents', id), { recursive: true });
      await writeFile(join(t().mc, 'agents', id, 'state.json'), JSON.stringify(state));
    },
    agentStatus: async (id: string) => (await api(t().url, `/api/agents/${id}`)).body.status,
  };
}
