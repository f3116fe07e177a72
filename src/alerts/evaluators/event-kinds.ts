import { Injectable } from '@nestjs/common';
import { EventsService } from '../../events/events.service';
import { AlertRule } from '../alert-rule.entity';
import { agentSubject, FLEET, Observation, round1, ruleAgent, single } from './observation';

const MINUTE = 60_000;

/** error_rate and event_count: counts of logged events in a sliding window, each one indexed range of the event log. */
@Injectable()
export class EventKinds {
  constructor(private readonly events: EventsService) {}

  /** Whether an event of this type can change the rule's verdict (so that logging it is worth an evaluation). */
  static concerns(rule: AlertRule, type: string, agentId: string | null): boolean {
    const agent = ruleAgent(rule);
    if (agent && agent !== agentId) return false;
    if (rule.kind === 'event_count') return rule.params.event_type === type;
    return rule.kind === 'error_rate' && (type === 'task_completed' || type === 'task_failed');
  }

  async eventCount(rule: AlertRule, now: number): Promise<Observation> {
    const {
      event_type: type,
      at_least: atLeast,
      window_minutes: window,
    } = rule.params as { event_type: string; at_least: number; window_minutes: number };
    const agent = ruleAgent(rule);
    const counts = await this.events.countByType([type], new Date(now - window * MINUTE), new Date(now), agent);
    const n = counts[type];
    const about = agent ? ` about ${agent}` : '';
    return single(
      agent ? agentSubject(agent) : FLEET,
      n >= atLeast
        ? { value: n, message: `${n} ${type} events${about} in the last ${window} minutes (at least ${atLeast})` }
        : null,
    );
  }

  async errorRate(rule: AlertRule, now: number): Promise<Observation> {
    const {
      above,
      window_minutes: window,
      min_tasks: minTasks,
    } = rule.params as { above: number; window_minutes: number; min_tasks: number };
    const agent = ruleAgent(rule);
    const counts = await this.events.countByType(
      ['task_completed', 'task_failed'],
      new Date(now - window * MINUTE),
      new Date(now),
      agent,
    );
    const failed = counts.task_failed;
    const ended = failed + counts.task_completed;
    const rate = ended ? failed / ended : 0;
    const holds = ended >= minTasks && rate > above;
    const who = agent ?? 'The fleet';
    const message = `${who}: ${failed} of ${ended} tasks failed in the last ${window} minutes (${round1(rate * 100)} %, above ${round1(above * 100)} %)`;
    return single(
      agent ? agentSubject(agent) : FLEET,
      holds ? { value: Math.round(rate * 1000) / 1000, message } : null,
    );
  }
}
