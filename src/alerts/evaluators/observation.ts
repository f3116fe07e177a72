import type { AlertRule } from '../alert-rule.entity';

/** A rule's condition holding for one subject: what was measured, and a sentence for people. */
export interface Match {
  value: number | null;
  message: string;
}

/**
 * What one evaluation of a rule saw: for each subject it looked at, a match or null (the condition
 * does not hold). When `exhaustive`, a subject it did not list no longer exists, so its alert resolves;
 * otherwise subjects it did not list are left as they are (not seen this time, or not known yet).
 */
export interface Observation {
  subjects: Map<string, Match | null>;
  exhaustive: boolean;
}

export const FLEET = 'fleet';
export const agentSubject = (id: string) => `agent:${id}`;
export const sessionSubject = (key: string) => `session:${key}`;

/** The agent a subject is about, if any (for events and the gateway's `agent:<id>` channels). */
export function agentOf(subject: string): string | null {
  return subject.startsWith('agent:') ? subject.slice('agent:'.length) : null;
}

/** A rule's agent_id param, when it names one. */
export function ruleAgent(rule: AlertRule): string | undefined {
  return typeof rule.params.agent_id === 'string' ? rule.params.agent_id : undefined;
}

/** One subject, always seen: the fleet-wide kinds and rules about one agent. */
export function single(subject: string, match: Match | null): Observation {
  return { subjects: new Map([[subject, match]]), exhaustive: true };
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
