import fc from 'fast-check';
import { api, removeDirs } from '../support/app-harness';
import { TestSocket } from '../support/ws-client';
import { hostileSeed } from './support/seed';
import { makeFolders, RunningService, ServiceFolders, startService } from './support/service';
import { MAX_FRAME_BYTES, wsCases } from './support/ws-messages';

const TOKEN = 'hostile-ws-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const CLIENTS = 6;
const MESSAGES = 3_000;
/** The gateway closes a client past 50 messages a second; the fuzzing clients stay under it. */
const MAX_PER_SECOND = 40;
const REPLY_WITHIN_MS = 5_000;

/** Waits, if need be, so that no more than MAX_PER_SECOND frames leave within any second. */
async function pace(sentAt: number[]): Promise<void> {
  if (sentAt.length === MAX_PER_SECOND) {
    const wait = sentAt[0] + 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 5));
    sentAt.shift();
  }
  sentAt.push(Date.now());
}

/** The first message after index `from` that answers the client: broadcasts (and what a resume replays) carry a seq, heartbeats answer nothing. */
const isAnswer = (m: { type: string; seq?: number }) =>
  m.type !== 'heartbeat' && (m.seq === undefined || m.type === 'resumed' || m.type === 'resync_required');
const reply = (socket: TestSocket, from: number) => socket.next(isAnswer, REPLY_WITHIN_MS, from);

describe('The WebSocket gateway under generated and hostile frames', () => {
  let folders: ServiceFolders;
  let service: RunningService;
  const sockets: TestSocket[] = [];

  /** A connected client, past its welcome and initial state (answered a ping). */
  const open = async (query = `?token=${TOKEN}`) => {
    const socket = await TestSocket.open(`${service.wsUrl}/${query}`);
    sockets.push(socket);
    socket.send({ type: 'ping' });
    // The initial state went out before the pong: every later message without a seq is an answer.
    await socket.next((m) => m.type === 'pong', REPLY_WITHIN_MS);
    return socket;
  };

  /** Posts an event about forge; its agent_activity broadcast carries `marker`. */
  const pulse = (marker: string) =>
    api(service.url, '/api/events', {
      method: 'POST',
      headers: AUTH,
      json: { event_type: 'hostile_pulse', agent_id: 'forge', data: { marker } },
    });
  const received = (socket: TestSocket, marker: string) =>
    socket.next((m) => m.type === 'agent_activity' && m.data.activity.marker === marker, REPLY_WITHIN_MS);

  beforeAll(async () => {
    folders = await makeFolders();
    service = await startService(folders, { MC_API_TOKEN: TOKEN, MC_WS_HEARTBEAT: '1' });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await service?.process.stop();
    await removeDirs(folders?.base);
  });

  it('refuses upgrades without the token, with a wrong one, and from a page of another origin', async () => {
    await expect(TestSocket.open(service.wsUrl)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(`${service.wsUrl}/?token=wrong`)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(`${service.wsUrl}/?token=%00${TOKEN}`)).rejects.toThrow('HTTP 401');
    await expect(
      TestSocket.open(`${service.wsUrl}/?token=${TOKEN}`, { origin: 'http://evil.example' }),
    ).rejects.toThrow('HTTP 403');
  });

  it(`answers ${MESSAGES} generated messages of every type from ${CLIENTS} clients as documented, keeps them connected, and broadcasts to others throughout`, async () => {
    const seed = hostileSeed();
    const observer = await open();
    const serverId: string = observer.messages[0].server_id;
    const agentIds: string[] = (await api(service.url, '/api/agents')).body.agents.map((a: { id: string }) => a.id);
    const cases = wsCases(agentIds, () => serverId);
    const problems: string[] = [];
    const pulses: string[] = [];
    let fuzzing = true;
    const pulsing = (async () => {
      while (fuzzing) {
        const marker = `during-${pulses.length}`;
        expect((await pulse(marker)).status).toBe(201);
        pulses.push(marker);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const started = Date.now();
    let next = 0;

    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        const socket = await open();
        const sentAt: number[] = [];
        while (next < MESSAGES && !socket.closed) {
          const i = next++;
          const c = fc.sample(cases, { seed: seed + 3_000_000 + i, numRuns: 1 })[0];
          await pace(sentAt);
          const from = socket.messages.length;
          socket.ws.send(c.frame, { binary: c.binary });
          const answer = await reply(socket, from).catch((error: Error) => ({
            type: `nothing (${error.message.slice(0, 80)})`,
          }));
          if (!c.expect.includes(answer.type)) {
            problems.push(
              `#${i} (HOSTILE_SEED=${seed}): expected ${c.expect.join(' or ')}, got ${JSON.stringify(answer).slice(0, 200)} for ${c.binary ? 'binary ' : ''}${JSON.stringify(String(c.frame).slice(0, 200))}`,
            );
          }
        }
        if (socket.closed) problems.push(`a fuzzing client was closed: ${JSON.stringify(socket.closed)}`);
      }),
    );
    fuzzing = false;
    await pulsing;
    console.log(
      `WebSocket: ${MESSAGES} generated messages from ${CLIENTS} clients in ${((Date.now() - started) / 1000).toFixed(1)} s, ${pulses.length} broadcasts meanwhile`,
    );

    expect(problems).toEqual([]);
    for (const marker of pulses) await received(observer, marker);
    expect(service.process.child.exitCode).toBeNull();
  });

  it.each([
    [
      'a text frame over 64 KiB',
      1009,
      (s: TestSocket) => s.ws.send(`{"type":"ping","pad":"${'x'.repeat(MAX_FRAME_BYTES)}"}`),
    ],
    [
      'a binary frame over 64 KiB',
      1009,
      (s: TestSocket) => s.ws.send(Buffer.alloc(MAX_FRAME_BYTES + 1), { binary: true }),
    ],
    [
      'a text frame that is not UTF-8',
      1007,
      (s: TestSocket) => s.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }),
    ],
    [
      'more than 50 messages in a second',
      1008,
      (s: TestSocket) => Array.from({ length: 60 }, () => s.send({ type: 'ping' })),
    ],
  ])('closes the client that sends %s with %i, and the others go on', async (_what, code, misbehave) => {
    const observer = await open();
    const culprit = await open();
    misbehave(culprit);
    expect((await culprit.waitClosed(REPLY_WITHIN_MS)).code).toBe(code);

    const marker = `after-${code}-${Date.now()}`;
    expect((await pulse(marker)).status).toBe(201);
    await received(observer, marker);
    const fresh = await open();
    expect(fresh.closed).toBeNull();
    expect((await api(service.url, '/api/health')).status).toBe(200);
  });
});
