import { AppConfig } from '../config/environment';

/**
 * Cluster mode: instances share a bus (MC_REDIS_URL, with MC_DATABASE_URL), so another instance may
 * change what this one holds (rules, alerts, notifications to send) and a follower is given the
 * leader's view. On PostgreSQL alone, instances elect a leader but share nothing else.
 */
export function isClustered(config: AppConfig): boolean {
  return Boolean(config.get('MC_REDIS_URL', { infer: true }));
}
