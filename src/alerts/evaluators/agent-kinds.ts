import { Injectable } from '@nestjs/common';
import { FleetService } from '../../agents/fleet.service';
import { OpenClawService } from '../../openclaw/openclaw.service';
import { SessionView } from '../../contracts/sessions';
import { Agent } from '../../contracts/fleet';
import { AlertRule } from '../alert-rule.entity';
import { agentSubject, Match, Observation, round1, ruleAgent, sessionSubject } from './observation';

const MINUTE = 60_000;

/**
 * agent_offline, agent_error and session_stuck, over the fleet's in-memory view and the sessions
 * that are stuck right now (kept from session updates), so their cost follows the fleet, not history.
 */
@Injectable()
export class AgentKinds {
  private readonly stuck = new Map<string, SessionView>();
  /** When an agent with no last_active date was first seen offline. */
  private readonly offlineSince = new Map<string, number>();

  constructor(
    private readonly fleet: FleetService,
    private readonly openclaw: OpenClawService,
  ) {}

  /** Keeps the sessions that are stuck now, for session_stuck. */
  sessionUpdated(session: SessionView): void {
    if (session.stuck) this.stuck.set(session.key, session);
    else this.stuck.delete(session.key);
  }

  offline(rule: AlertRule, now: number): Observation {
    const minutes = Number(rule.params.minutes);
    return this.overAgents(rule, (agent) => {
      if (agent.status !== 'offline') {
        this.offlineSince.delete(agent.id);
        return null;
      }
      const lastActive = agent.last_active ? Date.parse(agent.last_active) : NaN;
      if (Number.isNaN(lastActive) && !this.offlineSince.has(agent.id)) this.offlineSince.set(agent.id, now);
      const since = Number.isNaN(lastActive) ? this.offlineSince.get(agent.id)! : lastActive;
      const offlineFor = (now - since) / MINUTE;
      return offlineFor > minutes
        ? { value: round1(offlineFor), message: `${agent.name} has been offline for ${Math.floor(offlineFor)} minutes` }
        : null;
    });
  }

  error(rule: AlertRule): Observation {
    return this.overAgents(rule, (agent) =>
      agent.status === 'error'
        ? { value: null, message: `${agent.name} is in error (${agent.raw_status ?? 'error'})` }
        : null,
    );
  }

  /**
   * Only stuck sessions are looked at; a session that is no longer stuck is no
   * longer listed, so its alert resolves once the reader has read everything.
   */
  sessionStuck(rule: AlertRule, now: number): Observation {
    const agentId = ruleAgent(rule);
    const subjects = new Map<string, Match | null>();
    for (const session of this.stuck.values()) {
      if (agentId && session.agent_id !== agentId) continue;
      const idle = session.last_activity_at ? (now - Date.parse(session.last_activity_at)) / MINUTE : 0;
      subjects.set(sessionSubject(session.key), {
        value: round1(Math.max(0, idle)),
        message: `${session.agent_id}'s session ${session.key} has had a run in progress with no activity for ${Math.max(0, Math.floor(idle))} minutes`,
      });
    }
    return { subjects, exhaustive: this.openclaw.ready };
  }

  /**
   * Every agent (or the rule's one). Exhaustive once OpenClaw's agents are read (or it is off): an
   * agent that is gone then resolves its alerts.
   */
  private overAgents(rule: AlertRule, test: (agent: Agent) => Match | null): Observation {
    const agentId = ruleAgent(rule);
    const agents = agentId
      ? [this.fleet.getAgent(agentId)].filter((a): a is Agent => a !== undefined)
      : this.fleet.listAgents();
    const subjects = new Map(agents.map((agent) => [agentSubject(agent.id), test(agent)]));
    return { subjects, exhaustive: this.openclaw.ready || this.openclaw.health().state === 'off' };
  }
}
