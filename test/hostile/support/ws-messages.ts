import fc from 'fast-check';
import { hostileValue, shortHostileString, toJson } from './hostile-values';

/** One frame to send and the replies the README's "Messages from the client" allows for it. */
export interface WsCase {
  frame: string | Buffer;
  binary: boolean;
  expect: string[];
}

/** The README: "a message over 64 KiB closes the connection (1009)". */
export const MAX_FRAME_BYTES = 64 * 1024;

/** The channels the README lists; `agent:<id>` is added per agent. */
const CHANNELS = [
  '*',
  'agent_status',
  'agent_position',
  'agent_activity',
  'notifications',
  'tasks',
  'metrics',
  'sessions',
];
/** Anything with this prefix may name an agent's channel: hostile channels steer clear of it. */
const looksLikeChannel = (v: unknown) =>
  typeof v === 'string' && (CHANNELS.includes(v) || v.startsWith('agent:') || /^[a-z_]+$/.test(v));

const json = (message: unknown, expect: string[]): WsCase => ({ frame: toJson(message), binary: false, expect });

/** Adds unknown and prototype keys to a message, which the server must ignore. */
function withExtras(message: Record<string, unknown>, extras: [string, unknown][]): Record<string, unknown> {
  for (const [key, value] of extras)
    if (key !== 'type')
      Object.defineProperty(message, key, { value, enumerable: true, writable: true, configurable: true });
  return message;
}

/**
 * Every client message type with generated fields, valid and not, and frames that are not messages
 * at all: invalid JSON, JSON that is not an object, unknown types, binary frames.
 */
export function wsCases(agentIds: string[], serverId: () => string): fc.Arbitrary<WsCase> {
  const extras = fc.array(
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'seq'), hostileValue),
    { maxLength: 2 },
  );
  const channel = fc.oneof(
    fc.constantFrom(...CHANNELS),
    fc.constantFrom(...agentIds).map((id) => `agent:${id}`),
  );
  const badChannel = hostileValue.filter((v) => !looksLikeChannel(v));
  const since = fc.oneof(fc.nat({ max: 1_000_000 }), fc.constant(0));
  // As the server reads it: 0.1e-400 and -0.0 are 0.
  const badSince = hostileValue.filter((v) => {
    const read: unknown = JSON.parse(toJson(v));
    return !(typeof read === 'number' && Number.isInteger(read) && read >= 0);
  });
  const badAgent = hostileValue.filter((v) => !(typeof v === 'string' && agentIds.includes(v)));
  const sub = fc.constantFrom('subscribe', 'unsubscribe');
  const cases = fc.oneof<fc.Arbitrary<WsCase>[]>(
    extras.map((x) => json(withExtras({ type: 'ping' }, x), ['pong'])),
    fc.tuple(sub, channel, extras).map(([type, c, x]) => json(withExtras({ type, channel: c }, x), [`${type}d`])),
    fc.tuple(sub, fc.option(badChannel, { nil: undefined })).map(([type, c]) => json({ type, channel: c }, ['error'])),
    fc
      .tuple(fc.constantFrom(...agentIds), extras)
      .map(([id, x]) => json(withExtras({ type: 'request_agent_status', agent_id: id }, x), ['agent_status'])),
    fc
      .option(badAgent, { nil: undefined })
      .map((id) => json({ type: 'request_agent_status', agent_id: id }, ['error'])),
    fc
      .tuple(since, fc.oneof(fc.constant(undefined), shortHostileString), fc.boolean())
      .map(([s, id, real]) =>
        json({ type: 'resume', since: s, server_id: real ? serverId() : id }, ['resumed', 'resync_required']),
      ),
    fc
      .tuple(fc.option(badSince, { nil: undefined }), fc.boolean())
      .map(([s, real]) => json({ type: 'resume', since: s, server_id: real ? serverId() : undefined }, ['error'])),
    shortHostileString
      .filter((t) => !['ping', 'subscribe', 'unsubscribe', 'request_agent_status', 'resume'].includes(t))
      .map((type) => json({ type }, ['error'])),
    hostileValue.filter((v) => typeof v !== 'string').map((type) => json({ type }, ['error'])),
    fc
      .oneof(hostileValue, fc.constant(undefined))
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map((v) => json(v, ['error'])),
    fc
      .constantFrom(
        '',
        '{',
        '{"type":',
        'ping',
        '{"type":"ping"',
        "{'type':'ping'}",
        '\u0000',
        '{"type":"ping"}\u0000',
        '{"type":"ping\\u0000"}',
      )
      .map((t) => ({ frame: t, binary: false, expect: ['error'] })),
    fc
      .uint8Array({ minLength: 1, maxLength: 512 })
      .map((b) => ({ frame: Buffer.from(b), binary: true, expect: ['error'] })),
    // A binary frame that holds a valid message: answered either as that message or as an error, never dropped.
    fc.constant({ frame: Buffer.from('{"type":"ping"}'), binary: true, expect: ['pong', 'error'] }),
  );
  // Longer frames close the connection (1009), which the oversized-frame case checks on its own.
  return cases.filter((c) => Buffer.byteLength(c.frame) <= MAX_FRAME_BYTES - 1024);
}
