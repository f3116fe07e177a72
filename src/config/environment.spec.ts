import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('applies every default', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      MC_WORKSPACE: resolve(homedir(), '.openclaw/workspace'),
      MC_API_PORT: 8080,
      MC_WS_PORT: 8765,
      MC_HOST: '127.0.0.1',
      MC_DATA_DIR: resolve('data'),
      MC_BACKUP_DIR: resolve('backups'),
      MC_BACKUP_INTERVAL: 6,
      MC_BACKUP_RETENTION: 7,
      MC_METRICS_INTERVAL: 60,
      MC_WS_HEARTBEAT: 30,
      MC_STALE_MINUTES: 15,
      MC_RESCAN_INTERVAL: 30,
      MC_WS_REPLAY_MAX_MB: 64,
      MC_WS_CLIENT_MAX_MB: 1,
      MC_INGEST_MAX_MB: 16,
      MC_CORS_ORIGINS: [],
      MC_ALLOWED_HOSTS: [],
    });
    expect(env.MC_API_TOKEN).toBeUndefined();
  });

  it('takes only intervals that fall on the same wall-clock slots every day', () => {
    expect(validateEnvironment({ MC_METRICS_INTERVAL: '15', MC_BACKUP_INTERVAL: '720' })).toMatchObject({
      MC_METRICS_INTERVAL: 15,
      MC_BACKUP_INTERVAL: 720,
    });
    expect(validateEnvironment({ MC_BACKUP_INTERVAL: '0.5' }).MC_BACKUP_INTERVAL).toBe(0.5);
    expect(() => validateEnvironment({ MC_METRICS_INTERVAL: '7' })).toThrow(
      'MC_METRICS_INTERVAL must divide a minute, an hour or a day evenly',
    );
    expect(() => validateEnvironment({ MC_METRICS_INTERVAL: '172800' })).toThrow('at most 86400');
    expect(() => validateEnvironment({ MC_BACKUP_INTERVAL: '1.5' })).toThrow(
      'MC_BACKUP_INTERVAL must divide an hour or a day evenly',
    );
    expect(() => validateEnvironment({ MC_BACKUP_INTERVAL: '9000' })).toThrow('at most 8784 hours');
  });

  it("reads OpenClaw's settings, defaulting to OpenClaw's own state folder", () => {
    const saved = process.env.OPENCLAW_STATE_DIR;
    try {
      delete process.env.OPENCLAW_STATE_DIR;
      expect(validateEnvironment({})).toMatchObject({
        MC_OPENCLAW_HOME: resolve(homedir(), '.openclaw'),
        MC_OPENCLAW: 'on',
        MC_OPENCLAW_POLL: 5,
        MC_STUCK_MINUTES: 10,
      });
      process.env.OPENCLAW_STATE_DIR = '/srv/openclaw-state';
      expect(validateEnvironment({}).MC_OPENCLAW_HOME).toBe('/srv/openclaw-state');
      expect(validateEnvironment({ MC_OPENCLAW_HOME: '~/oc', MC_OPENCLAW_POLL: '0.5' })).toMatchObject({
        MC_OPENCLAW_HOME: resolve(homedir(), 'oc'),
        MC_OPENCLAW_POLL: 0.5,
      });
      expect(() => validateEnvironment({ MC_OPENCLAW: 'maybe', MC_STUCK_MINUTES: '0' })).toThrow(
        /MC_OPENCLAW must be on or off[\s\S]*MC_STUCK_MINUTES must be a positive number/,
      );
    } finally {
      if (saved === undefined) delete process.env.OPENCLAW_STATE_DIR;
      else process.env.OPENCLAW_STATE_DIR = saved;
    }
  });

  it('reads numbers, lists, ~ paths, and short intervals used by tests and demos', () => {
    const env = validateEnvironment({
      MC_WORKSPACE: '~/ws',
      MC_API_PORT: '0',
      MC_METRICS_INTERVAL: '1',
      MC_WS_HEARTBEAT: '1',
      MC_BACKUP_INTERVAL: String(1 / 3600),
      MC_BACKUP_RETENTION: '0.5',
      MC_CORS_ORIGINS: 'http://a.example, https://b.example:8443 ,',
      MC_ALLOWED_HOSTS: 'mc.example.com, box, 192.168.1.20, [fd00::2], ::1',
      MC_API_TOKEN: 'abc',
      UNRELATED: 'ignored',
    });
    expect(env).toMatchObject({
      MC_WORKSPACE: resolve(homedir(), 'ws'),
      MC_API_PORT: 0,
      MC_METRICS_INTERVAL: 1,
      MC_WS_HEARTBEAT: 1,
      MC_BACKUP_INTERVAL: 1 / 3600,
      MC_BACKUP_RETENTION: 0.5,
      MC_CORS_ORIGINS: ['http://a.example', 'https://b.example:8443'],
      MC_ALLOWED_HOSTS: ['mc.example.com', 'box', '192.168.1.20', '[fd00::2]', '::1'],
      MC_API_TOKEN: 'abc',
    });
    expect(env).not.toHaveProperty('UNRELATED');
  });

  it('treats an empty variable as unset', () => {
    expect(validateEnvironment({ MC_API_PORT: '' }).MC_API_PORT).toBe(8080);
  });

  it.each([
    ['MC_API_PORT', 'abc', /MC_API_PORT must be a whole number from 0 to 65535 \(got "abc"\)/],
    ['MC_API_PORT', '70000', /MC_API_PORT must be a whole number/],
    ['MC_WS_PORT', '1.5', /MC_WS_PORT must be a whole number/],
    ['MC_METRICS_INTERVAL', '0', /MC_METRICS_INTERVAL must be a whole number of seconds, at least 1 \(got "0"\)/],
    ['MC_WS_HEARTBEAT', 'soon', /MC_WS_HEARTBEAT must be/],
    ['MC_BACKUP_INTERVAL', '-1', /MC_BACKUP_INTERVAL must be a positive number of hours/],
    ['MC_BACKUP_RETENTION', 'week', /MC_BACKUP_RETENTION must be a positive number of days/],
    ['MC_STALE_MINUTES', '0', /MC_STALE_MINUTES must be a positive number/],
    ['MC_RESCAN_INTERVAL', '0.5', /MC_RESCAN_INTERVAL must be a whole number of seconds, at least 1 \(got "0.5"\)/],
    ['MC_HOST', 'bad host!', /MC_HOST must be a host name or IP address/],
    [
      'MC_WS_CLIENT_MAX_MB',
      '0',
      /MC_WS_CLIENT_MAX_MB must be a positive number of megabytes \(fractions allowed\) \(got "0"\)/,
    ],
    ['MC_INGEST_MAX_MB', 'lots', /MC_INGEST_MAX_MB must be a positive number of megabytes/],
    ['MC_API_TOKEN', 'has space', /MC_API_TOKEN must not contain white space/],
    ['MC_CORS_ORIGINS', 'dash.example', /MC_CORS_ORIGINS must be \* or origins as browsers send them/],
    ['MC_CORS_ORIGINS', 'http://dash.example/app', /MC_CORS_ORIGINS must be/],
    ['MC_CORS_ORIGINS', '*, ftp://dash.example', /MC_CORS_ORIGINS must be/],
    ['MC_CORS_ORIGINS', 'http://Dash.example', /MC_CORS_ORIGINS must be/],
    [
      'MC_ALLOWED_HOSTS',
      'mc.example:8080',
      /MC_ALLOWED_HOSTS must be comma-separated host names or IP addresses, without ports/,
    ],
    ['MC_ALLOWED_HOSTS', 'mc.example, http://mc.example', /MC_ALLOWED_HOSTS must be/],
    ['MC_ALLOWED_HOSTS', 'bad host', /MC_ALLOWED_HOSTS must be/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(message);
  });

  it('selects PostgreSQL and Redis by URL, refuses Redis alone, and never repeats a password', () => {
    expect(validateEnvironment({}).MC_DATABASE_URL).toBeUndefined();
    const url = 'postgres://mc:s3cret@db.internal:5432/mission';
    expect(validateEnvironment({ MC_DATABASE_URL: url, MC_REDIS_URL: 'redis://cache:6379' })).toMatchObject({
      MC_DATABASE_URL: url,
      MC_REDIS_URL: 'redis://cache:6379',
    });
    expect(() => validateEnvironment({ MC_REDIS_URL: 'redis://cache:6379' })).toThrow(
      /MC_REDIS_URL is set without MC_DATABASE_URL/,
    );
    const bad = () => validateEnvironment({ MC_DATABASE_URL: 'mysql://mc:s3cret@db/mission' });
    expect(bad).toThrow(
      /MC_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL .*\(got "mysql:\/\/mc:\*\*\*@db\/mission"\)/,
    );
    expect(bad).not.toThrow(/s3cret/);
    expect(() => validateEnvironment({ MC_DATABASE_URL: url, MC_REDIS_URL: 'http://cache' })).toThrow(
      /MC_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/,
    );
  });

  it('lists every bad variable at once', () => {
    expect(() => validateEnvironment({ MC_API_PORT: 'x', MC_WS_PORT: 'y' })).toThrow(/MC_API_PORT[\s\S]*MC_WS_PORT/);
  });
});
