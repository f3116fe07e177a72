import { Controller, Get, Post } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { APP_FILTER } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Actor, ControlAction, Requires } from '../src/common/access';
import { AllExceptionsFilter } from '../src/common/all-exceptions.filter';
import { ApiTokenMiddleware } from '../src/common/api-token.middleware';
import { CommonModule } from '../src/common/common.module';
import { AppConfig, validateEnvironment } from '../src/config/environment';
import { Principal } from '../src/contracts/roles';
import { api, makeTempDir, removeDirs, startApp, TestApp, waitFor, withEnv } from './support/app-harness';
import { spawnService } from './support/service-process';
import { TestSocket } from './support/ws-client';

const TOKENS = {
  viewer: 'viewer-0b6f1c2d3e4f5a6b7c8d',
  operator: 'operator-1a2b3c4d5e6f7a8b9c0d',
  admin: 'admin-2c3d4e5f6a7b8c9d0e1f',
  ingest: 'ingest-3d4e5f6a7b8c9d0e1f2a',
};
const FILE = {
  tokens: [
    { name: 'grafana', role: 'viewer', token: TOKENS.viewer },
    { name: 'on-call', role: 'operator', token: TOKENS.operator },
    { name: 'ops-admin', role: 'admin', token: TOKENS.admin },
    { name: 'openclaw-plugin', role: 'ingest', token: TOKENS.ingest },
  ],
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const RULE = { name: 'Forge offline', kind: 'agent_offline', params: { agent_id: 'forge', minutes: 10 } };

describe('Named tokens with roles (MC_API_TOKENS)', () => {
  let t: TestApp;
  let home: string;
  let folder: string;
  let transcript: string;

  beforeAll(async () => {
    home = await makeTempDir('mc-oc-home-');
    await cp(join(__dirname, 'fixtures', 'openclaw', 'home-sqlite'), home, { recursive: true });
    folder = await makeTempDir('mc-tokens-');
    await writeFile(join(folder, 'tokens.json'), JSON.stringify(FILE));
    t = await startApp({
      env: { MC_API_TOKENS: join(folder, 'tokens.json'), MC_OPENCLAW_HOME: home, MC_OPENCLAW_POLL: '0.5' },
    });
    const sessions = await waitFor(
      async () => (await api(t.url, '/api/sessions')).body.sessions?.[0] && (await api(t.url, '/api/sessions')).body,
      5000,
      'the sessions',
    );
    transcript = `/api/sessions/${encodeURIComponent(sessions.sessions[0].key)}/transcript`;
  });

  afterAll(async () => {
    await t?.close();
    await removeDirs(home, folder, t?.workspace, t?.dataDir);
  });

  const rules = async () => (await api(t.url, '/api/alerts/rules')).body.rules.length;

  it('lets a viewer read, transcripts included; a transcript without a token is 401', async () => {
    expect((await api(t.url, '/api/agents', { headers: bearer(TOKENS.viewer) })).status).toBe(200);
    const read = await api(t.url, transcript, { headers: bearer(TOKENS.viewer) });
    expect(read.status).toBe(200);
    expect(read.body.messages.length).toBeGreaterThan(0);
    expect((await api(t.url, transcript)).status).toBe(401);
    expect((await api(t.url, '/api/dashboard/config')).body.token_required).toBe(true);
  });

  it('refuses a viewer any change with 403 naming the role needed, before the body is checked', async () => {
    const before = await rules();
    const post = await api(t.url, '/api/alerts/rules', { method: 'POST', headers: bearer(TOKENS.viewer), json: RULE });
    expect(post.status).toBe(403);
    expect(post.body).toMatchObject({
      error: 'This needs the admin role; the token "grafana" has the role viewer',
      required_role: 'admin',
      role: 'viewer',
      status_code: 403,
    });
    // An invalid body is not looked at: the role is refused first.
    const invalid = await api(t.url, '/api/alerts/rules', { method: 'POST', headers: bearer(TOKENS.viewer), json: {} });
    expect(invalid.status).toBe(403);
    const event = await api(t.url, '/api/events', {
      method: 'POST',
      headers: bearer(TOKENS.viewer),
      json: { event_type: 'viewer_wrote' },
    });
    expect(event.body).toMatchObject({ status_code: 403, required_role: 'ingest' });
    expect(event.body.error).toContain('needs the ingest role (or admin)');
    expect(await rules()).toBe(before);
  });

  it('lets the admin token change data', async () => {
    const made = await api(t.url, '/api/alerts/rules', { method: 'POST', headers: bearer(TOKENS.admin), json: RULE });
    expect(made.status).toBe(201);
    const id = made.body.id;
    const patch = { method: 'PATCH', headers: bearer(TOKENS.admin), json: { enabled: false } };
    expect((await api(t.url, `/api/alerts/rules/${id}`, patch)).status).toBe(200);
    const gone = await api(t.url, `/api/alerts/rules/${id}`, { method: 'DELETE', headers: bearer(TOKENS.admin) });
    expect(gone.status).toBeLessThan(300);
    const event = { method: 'POST', headers: bearer(TOKENS.admin), json: { event_type: 'admin_wrote' } };
    expect((await api(t.url, '/api/events', event)).status).toBe(201);
  });

  it('lets an operator acknowledge alerts but not write rules', async () => {
    const ack = (token: string) =>
      api(t.url, '/api/alerts/999999/ack', { method: 'POST', headers: bearer(token), json: { by: 'me' } });
    // 404: past the role check, to the alert that does not exist.
    expect((await ack(TOKENS.operator)).status).toBe(404);
    expect((await ack(TOKENS.viewer)).body).toMatchObject({ status_code: 403, required_role: 'operator' });
    const post = await api(t.url, '/api/alerts/rules', {
      method: 'POST',
      headers: bearer(TOKENS.operator),
      json: RULE,
    });
    expect(post.body).toMatchObject({ status_code: 403, required_role: 'admin', role: 'operator' });
  });

  it("lets the plugin's ingest token post events and nothing else", async () => {
    const one = { method: 'POST', headers: bearer(TOKENS.ingest), json: { event_type: 'plugin_event' } };
    expect((await api(t.url, '/api/events', one)).status).toBe(201);
    const batch = { method: 'POST', headers: bearer(TOKENS.ingest), json: { events: [{ event_type: 'x' }] } };
    expect((await api(t.url, '/api/events/batch', batch)).status).toBe(201);
    expect((await api(t.url, transcript, { headers: bearer(TOKENS.ingest) })).body).toMatchObject({
      status_code: 403,
      required_role: 'viewer',
    });
    const rule = { method: 'POST', headers: bearer(TOKENS.ingest), json: RULE };
    expect((await api(t.url, '/api/alerts/rules', rule)).status).toBe(403);
    await expect(TestSocket.open(`${t.wsUrl}/?token=${TOKENS.ingest}`)).rejects.toThrow('HTTP 403');
  });

  it('answers a wrong token or none with 401', async () => {
    const wrong = { method: 'POST', headers: bearer('not-a-token-of-ours-at-all'), json: RULE };
    const answer = await api(t.url, '/api/alerts/rules', wrong);
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe('Invalid API token');
    expect((await api(t.url, '/api/alerts/rules', { method: 'POST', json: RULE })).status).toBe(401);
    expect((await api(t.url, transcript, { headers: bearer(TOKENS.viewer + 'x') })).status).toBe(401);
  });

  it('takes the same tokens on the WebSocket gateway: a viewer is accepted, a wrong token refused', async () => {
    const query = await TestSocket.open(`${t.wsUrl}/?token=${TOKENS.viewer}`);
    await query.next((m) => m.type === 'welcome');
    query.close();
    const header = await TestSocket.open(t.wsUrl, { headers: bearer(TOKENS.operator) });
    await header.next((m) => m.type === 'welcome');
    header.close();
    await expect(TestSocket.open(`${t.wsUrl}/?token=wrong-token-0123456789`)).rejects.toThrow('HTTP 401');
    await expect(TestSocket.open(t.wsUrl)).rejects.toThrow('HTTP 401');
  });
});

describe('MC_API_TOKEN alone', () => {
  let t: TestApp;
  const token = 'old-style-token';

  beforeAll(async () => {
    t = await startApp({ env: { MC_API_TOKEN: token } });
  });

  afterAll(async () => {
    await t.close();
    await removeDirs(t.workspace, t.dataDir);
  });

  it('still works, as the admin token', async () => {
    expect((await api(t.url, '/api/alerts/rules', { method: 'POST', json: RULE })).status).toBe(401);
    const wrong = { method: 'POST', headers: bearer(token + 'x'), json: RULE };
    expect((await api(t.url, '/api/alerts/rules', wrong)).status).toBe(401);
    const made = await api(t.url, '/api/alerts/rules', { method: 'POST', headers: bearer(token), json: RULE });
    expect(made.status).toBe(201);
    const gone = await api(t.url, `/api/alerts/rules/${made.body.id}`, { method: 'DELETE', headers: bearer(token) });
    expect(gone.status).toBeLessThan(300);
    const event = { method: 'POST', headers: bearer(token), json: { event_type: 'plugin_event' } };
    expect((await api(t.url, '/api/events', event)).status).toBe(201);
    const socket = await TestSocket.open(`${t.wsUrl}/?token=${token}`);
    await socket.next((m) => m.type === 'welcome');
    socket.close();
  });
});

describe('Bad MC_API_TOKENS', () => {
  // A real start (npm start's entry), since that is what must stop; in-process, Nest's ConfigModule leaves a rejection behind.
  it('stop the start with exit code 1, naming each problem and never a token', async () => {
    const data = await makeTempDir('mc-data-');
    const bad = JSON.stringify([
      { name: 'grafana', role: 'viewer', token: TOKENS.viewer },
      { name: 'Grafana', role: 'viewer', token: TOKENS.operator },
      { name: 'ci', role: 'superuser', token: TOKENS.admin },
      { name: 'twin', role: 'admin', token: TOKENS.viewer },
      { name: 'tiny', role: 'admin', token: 'x!y' },
      { name: 'blank', role: 'admin', token: '' },
    ]);
    const service = spawnService('src/main.ts', [], { MC_DATA_DIR: data, MC_API_TOKENS: bad });
    try {
      expect((await service.exited).code).toBe(1);
      expect(service.stderr()).toContain(
        'Mission Control could not start: Invalid configuration:\n  - MC_API_TOKENS: ',
      );
      for (const problem of [
        'entry 2 ("Grafana") repeats the name of an earlier token ("grafana")',
        'entry 3 ("ci") has the role "superuser"; a role is one of viewer, operator, admin, ingest',
        'entry 4 ("twin") has the same token as "grafana"',
        'entry 5 ("tiny") has a token of 3 characters, too short to be a secret',
        'entry 6 ("blank") has an empty token',
      ])
        expect(service.stderr()).toContain(problem);
      for (const token of [...Object.values(TOKENS), 'x!y']) expect(service.output()).not.toContain(token);
    } finally {
      await removeDirs(data);
    }
  }, 60_000);
});

@Controller('test-control')
class ControlTestController {
  @Post('stop')
  @ControlAction()
  stop(@Actor() actor: Principal | null) {
    return { actor };
  }

  @Post('plain')
  plain(@Actor() actor: Principal | null) {
    return { actor };
  }

  @Get('private')
  @Requires('viewer')
  read(@Actor() actor: Principal | null) {
    return { actor };
  }
}

/** The guard and middleware of the app around a controller of routes marked as later endpoints will be. */
async function controlApp(env: Record<string, string>): Promise<{ app: NestExpressApplication; url: string }> {
  const app = await withEnv(env, async () => {
    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnvironment }),
        EventEmitterModule.forRoot(),
        CommonModule,
      ],
      controllers: [ControlTestController],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    }).compile();
    const nest = module.createNestApplication<NestExpressApplication>({ logger: false });
    nest.use(new ApiTokenMiddleware(nest.get(AppConfig)).use);
    return nest;
  });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

describe('Control actions', () => {
  it('are off with no token configured (403 saying how to enable them), while other writes stay open', async () => {
    const { app, url } = await controlApp({});
    try {
      const stop = await api(url, '/test-control/stop', { method: 'POST' });
      expect(stop.status).toBe(403);
      expect(stop.body.error).toBe(
        'Control actions are off: no API token is configured. Set MC_API_TOKENS (named tokens with roles) or MC_API_TOKEN, and send Authorization: Bearer <token>',
      );
      expect((await api(url, '/test-control/plain', { method: 'POST' })).body).toEqual({ actor: null });
      expect((await api(url, '/test-control/private')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("need the operator role, and the handler gets the token's name and role", async () => {
    const { app, url } = await controlApp({ MC_API_TOKENS: JSON.stringify(FILE) });
    try {
      const stop = (token?: string) =>
        api(url, '/test-control/stop', { method: 'POST', headers: token ? bearer(token) : {} });
      expect((await stop(TOKENS.operator)).body).toEqual({ actor: { name: 'on-call', role: 'operator' } });
      expect((await stop(TOKENS.admin)).body).toEqual({ actor: { name: 'ops-admin', role: 'admin' } });
      expect((await stop(TOKENS.viewer)).body).toMatchObject({
        status_code: 403,
        error: 'This needs the operator role (or admin); the token "grafana" has the role viewer',
      });
      expect((await stop()).status).toBe(401);
      expect((await api(url, '/test-control/private')).status).toBe(401);
      expect((await api(url, '/test-control/private', { headers: bearer(TOKENS.viewer) })).body).toEqual({
        actor: { name: 'grafana', role: 'viewer' },
      });
    } finally {
      await app.close();
    }
  });
});

describe('Tokens are secrets', () => {
  it('appear in no log line, answer, status file or backup', async () => {
    const data = await makeTempDir('mc-data-');
    const workspace = await makeTempDir('mc-ws-');
    await cp(join(__dirname, 'fixtures', 'workspace'), workspace, { recursive: true });
    const legacy = 'legacy-admin-4e5f6a7b8c9d';
    const service = spawnService('src/main.ts', [], {
      MC_DATA_DIR: data,
      MC_WORKSPACE: workspace,
      MC_BACKUP_DIR: join(data, 'backups'),
      MC_LOG_FORMAT: 'json',
      MC_API_TOKENS: JSON.stringify(FILE),
      MC_API_TOKEN: legacy,
    });
    const secrets = [...Object.values(TOKENS), legacy];
    try {
      const url = await service.url();
      const answers: string[] = [];
      const keep = async (path: string, init: Parameters<typeof api>[2] = {}) => {
        const answer = await api(url, path, init);
        answers.push(JSON.stringify(answer.body));
        return answer;
      };
      await keep('/api/health');
      await keep('/docs-json');
      const { ws_port } = (await keep('/api/dashboard/config')).body;
      await keep('/api/alerts/rules', { method: 'POST', headers: bearer(TOKENS.viewer), json: RULE });
      await keep('/api/alerts/rules', { method: 'POST', headers: bearer(TOKENS.viewer + 'x'), json: RULE });
      const backup = await keep('/api/backups', { method: 'POST', headers: bearer(legacy), json: { type: 'full' } });
      expect(backup.status).toBe(201);
      for (const token of [TOKENS.viewer, 'wrong-token-0123456789', TOKENS.ingest]) {
        await TestSocket.open(`ws://127.0.0.1:${ws_port}/?token=${token}`).then(
          (socket) => socket.close(),
          (error: Error) => answers.push(error.message),
        );
      }
      const status = await readFile(join(data, 'status.json'), 'utf8');
      const archives = (await readdir(join(data, 'backups'))).filter((name) => name.endsWith('.tar.gz'));
      expect(archives.length).toBeGreaterThan(0);
      const unpacked = await Promise.all(archives.map((name) => readFile(join(data, 'backups', name))));
      const archive = unpacked.map((bytes) => gunzipSync(bytes).toString('latin1')).join('\n');
      await service.stop();
      for (const secret of secrets) {
        expect(service.output()).not.toContain(secret);
        expect(answers.join('\n')).not.toContain(secret);
        expect(status).not.toContain(secret);
        expect(archive).not.toContain(secret);
      }
      // The log was written, as JSON lines, and the refusals above were answered.
      expect(service.stdout()).toMatch(/^\{.*"level":"info"/m);
      expect(answers.join('\n')).toContain('HTTP 403');
    } finally {
      service.child.kill('SIGKILL');
      await removeDirs(data, workspace);
    }
  }, 120_000);
});
