import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEnvFile, loadEnvFile, MAX_ENV_FILE_BYTES } from './env-file';
import { validateEnvironment } from './environment';

describe('loadEnvFile', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mc-env-file-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads .env in the working directory; the environment wins, an empty variable counting as unset', () => {
    writeFileSync(
      join(dir, '.env'),
      [
        '# Mission Control',
        'MC_API_PORT=9090',
        'export MC_HOST=0.0.0.0',
        'MC_INSTANCE_ID="from-file"',
        "MC_LOG_FORMAT='json' # inline",
        'MC_STALE_MINUTES=20',
        '',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { MC_INSTANCE_ID: 'from-env', MC_STALE_MINUTES: '' };
    const report = loadEnvFile(env, dir);
    expect(env).toEqual({
      MC_API_PORT: '9090',
      MC_HOST: '0.0.0.0',
      MC_INSTANCE_ID: 'from-env',
      MC_LOG_FORMAT: 'json',
      MC_STALE_MINUTES: '20',
    });
    expect(report).toEqual({
      file: join(dir, '.env'),
      applied: ['MC_API_PORT', 'MC_HOST', 'MC_LOG_FORMAT', 'MC_STALE_MINUTES'],
      kept: ['MC_INSTANCE_ID'],
      unknown: [],
    });
    expect(describeEnvFile(report)).toEqual({
      log: `Read ${join(dir, '.env')}: MC_API_PORT, MC_HOST, MC_LOG_FORMAT, MC_STALE_MINUTES set; the environment's own MC_INSTANCE_ID kept`,
      warning: null,
    });
  });

  it('is fine without a .env, and says nothing', () => {
    const env: NodeJS.ProcessEnv = {};
    const report = loadEnvFile(env, dir);
    expect(report).toEqual({ file: null, applied: [], kept: [], unknown: [] });
    expect(env).toEqual({});
    expect(describeEnvFile(report)).toEqual({ log: null, warning: null });
  });

  it('reads MC_ENV_FILE instead, relative to the working directory, and refuses one that is missing', () => {
    writeFileSync(join(dir, '.env'), 'MC_API_PORT=1111\n');
    writeFileSync(join(dir, 'prod.env'), 'MC_API_PORT=2222\n');
    const env: NodeJS.ProcessEnv = { MC_ENV_FILE: 'prod.env' };
    expect(loadEnvFile(env, dir).file).toBe(join(dir, 'prod.env'));
    expect(env.MC_API_PORT).toBe('2222');
    expect(() => loadEnvFile({ MC_ENV_FILE: 'missing.env' }, dir)).toThrow(
      `MC_ENV_FILE (${join(dir, 'missing.env')}) cannot be read: ENOENT`,
    );
  });

  it('refuses a folder, a FIFO and a file larger than 1 MiB, without opening them', () => {
    mkdirSync(join(dir, '.env'));
    expect(() => loadEnvFile({}, dir)).toThrow(`${join(dir, '.env')} cannot be read: it is not a regular file`);
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => loadEnvFile({ MC_ENV_FILE: 'fifo' }, dir)).toThrow('it is not a regular file');
    writeFileSync(join(dir, 'big.env'), `MC_HOST=${'x'.repeat(MAX_ENV_FILE_BYTES)}\n`);
    expect(() => loadEnvFile({ MC_ENV_FILE: 'big.env' }, dir)).toThrow(
      /big\.env\) is \d+ bytes, more than an env file's 1048576/,
    );
  });

  it('names MC_ variables that are no setting, and a bad value with the file it came from', () => {
    writeFileSync(join(dir, '.env'), 'MC_API_PRT=80\nMC_METRICS_INTERVAL=7\nOTHER_TOOL=1\n');
    const env: NodeJS.ProcessEnv = { MC_API_PORT: 'eighty' };
    const report = loadEnvFile(env, dir);
    expect(report.unknown).toEqual(['MC_API_PRT']);
    expect(env.OTHER_TOOL).toBe('1');
    expect(describeEnvFile(report).warning).toBe(
      `${join(dir, '.env')} sets MC_API_PRT, which Mission Control does not read (see Configuration in the README)`,
    );
    expect(() => validateEnvironment(env)).toThrow(`(got "7" in ${join(dir, '.env')})`);
    expect(() => validateEnvironment(env)).toThrow(
      'MC_API_PORT must be a whole number from 0 to 65535 (got "eighty")\n',
    );
  });
});
