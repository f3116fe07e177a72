import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AGENT_ID_PATTERN } from '../contracts/ids';
import { Principal } from '../contracts/roles';
import { EventsService } from '../events/events.service';
import { GatewaysService } from '../gateways/gateways.service';
import { gatewayHttpError, sessionNotFound } from './gateway-errors';
import { IdempotencyRecord } from './idempotency';
import { AbortResultDto, AbortSessionDto, MessageResultDto, SessionMessageDto } from './session-action.dto';

/** Who asked, from where, and the Idempotency-Key header if any. */
export interface ActionContext {
  actor: Principal | null;
  ip: string | undefined;
  idempotencyKey: string | undefined;
}

/** Where a session key leads: the gateway, the key as that gateway knows it, and Mission Control's agent id. */
interface Route {
  gateway: string;
  key: string;
  agentId: string | null;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Session actions (abort, send, steer, interrupt) on the gateway that holds the session, each recorded in
 * the event log as action_requested then action_completed or action_failed, and done once per Idempotency-Key.
 */
@Injectable()
export class SessionActionsService {
  private readonly record = new IdempotencyRecord();

  constructor(
    private readonly gateways: GatewaysService,
    private readonly events: EventsService,
  ) {}

  abort(sessionKey: string, body: AbortSessionDto, context: ActionContext): Promise<AbortResultDto> {
    const what = { action: 'abort', run_id: body.run_id ?? null, clear_queued: body.clear_queued ?? false };
    return this.act(sessionKey, what, context, async (route) => {
      const params = {
        key: route.key,
        ...(body.run_id && { runId: body.run_id }),
        ...(body.clear_queued !== undefined && { clearQueued: body.clear_queued }),
      };
      const answer = await this.gateways.request<{ abortedRunId?: string | null; status?: string }>(
        route.gateway,
        'sessions.abort',
        params,
      );
      if (answer?.status === 'aborted' && answer.abortedRunId)
        return { gateway: route.gateway, session_key: sessionKey, run_id: answer.abortedRunId, status: 'aborted' };
      // The gateway answers no-active-run for unknown keys too: sessions.describe tells them apart.
      const described = await this.gateways.request<{ session?: unknown }>(route.gateway, 'sessions.describe', {
        key: route.key,
      });
      if (!described?.session) throw sessionNotFound(route.gateway, sessionKey);
      throw new ConflictException({
        message: body.run_id
          ? `The run ${body.run_id} is not running in the session ${sessionKey}: nothing was stopped`
          : `Nothing is running in the session ${sessionKey}: nothing was stopped`,
        gateway: route.gateway,
        status: 'no-active-run',
      });
    });
  }

  send(sessionKey: string, body: SessionMessageDto, context: ActionContext): Promise<MessageResultDto> {
    const mode = body.mode ?? 'send';
    const what = { action: mode, text_bytes: Buffer.byteLength(body.text) };
    return this.act(sessionKey, what, context, async (route) => {
      const idempotencyKey = this.gatewayIdempotencyKey(context);
      let answer: { runId?: string; status?: string; interruptedActiveRun?: boolean };
      if (mode === 'send')
        answer = await this.gateways.request(route.gateway, 'sessions.send', {
          key: route.key,
          message: body.text,
          idempotencyKey,
        });
      else {
        // chat.send makes a session of an unknown key: ask first.
        const described = await this.gateways.request<{ session?: unknown }>(route.gateway, 'sessions.describe', {
          key: route.key,
        });
        if (!described?.session) throw sessionNotFound(route.gateway, sessionKey);
        answer = await this.gateways.request(route.gateway, 'chat.send', {
          sessionKey: route.key,
          message: body.text,
          idempotencyKey,
          queueMode: mode,
        });
      }
      return {
        gateway: route.gateway,
        session_key: sessionKey,
        mode,
        run_id: answer?.runId ?? null,
        status: answer?.status ?? 'started',
        interrupted_active_run: !!answer?.interruptedActiveRun,
      };
    });
  }

  /** Routes, audits and de-duplicates one action; `run` sends it to the gateway. */
  private act<T extends object>(
    sessionKey: string,
    what: Record<string, unknown>,
    context: ActionContext,
    run: (route: Route) => Promise<T>,
  ): Promise<T> {
    const key = context.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      throw new BadRequestException('Idempotency-Key must be 1 to 255 visible ASCII characters');
    const actor = context.actor?.name ?? 'anonymous';
    const fingerprint = JSON.stringify([sessionKey, what]);
    return this.record.once(actor, key, fingerprint, async () => {
      const route = this.route(sessionKey);
      const audit = {
        ...what,
        actor,
        actor_role: context.actor?.role ?? null,
        client_ip: context.ip ?? null,
        gateway: route.gateway,
        session_key: sessionKey,
        ...(key && { idempotency_key: key }),
      };
      await this.events.log('action_requested', route.agentId, audit);
      try {
        const result = await run(route);
        await this.events.log('action_completed', route.agentId, { ...audit, result });
        return result;
      } catch (error) {
        const http = gatewayHttpError(error, route.gateway, sessionKey);
        const answer = http.getResponse() as Record<string, unknown>;
        const failure = { status_code: http.getStatus(), message: answer.message ?? http.message };
        await this.events.log('action_failed', route.agentId, { ...audit, error: { ...answer, ...failure } });
        throw http;
      }
    });
  }

  /**
   * The gateway that holds a session: the only one, or the one whose agent_prefix starts the key's agent
   * id (`agent:<prefix><id>:…`, the prefix cut off for the gateway), else the one without a prefix.
   */
  private route(sessionKey: string): Route {
    const health = this.gateways.health();
    if (!health.held_here)
      throw new ServiceUnavailableException(
        "This instance is not the cluster's leader, which holds the gateway connections: send the action to the leader",
      );
    const views = this.gateways.states();
    if (!views.length)
      throw new ServiceUnavailableException(
        'No OpenClaw gateway is configured: see MC_OPENCLAW_GATEWAYS, or openclaw.json in MC_OPENCLAW_HOME',
      );
    const match = /^agent:([^:]+):([\s\S]*)$/.exec(sessionKey);
    const agent = match?.[1] ?? null;
    const byPrefix = views
      .filter((v) => v.agent_prefix && agent?.startsWith(v.agent_prefix) && agent.length > v.agent_prefix.length)
      .sort((a, b) => b.agent_prefix.length - a.agent_prefix.length)[0];
    const view = byPrefix ?? views.find((v) => !v.agent_prefix) ?? (views.length === 1 ? views[0] : undefined);
    if (!view)
      throw new NotFoundException(
        `No gateway holds the session ${sessionKey}: no gateway's agent_prefix starts its agent id ${agent ?? '(none)'}`,
      );
    const key = match && byPrefix ? `agent:${match[1].slice(view.agent_prefix.length)}:${match[2]}` : sessionKey;
    return { gateway: view.id, key, agentId: agent && AGENT_ID_PATTERN.test(agent) ? agent : null };
  }

  /** chat.send needs one; a retried action is answered by our record, this only helps the gateway too. */
  private gatewayIdempotencyKey(context: ActionContext): string {
    if (!context.idempotencyKey) return randomUUID();
    const actor = context.actor?.name ?? 'anonymous';
    return `mc-${createHash('sha256').update(`${actor}\u0000${context.idempotencyKey}`).digest('hex').slice(0, 32)}`;
  }
}
