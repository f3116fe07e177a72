import { homedir, hostname } from 'node:os';
import { resolve } from 'node:path';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsPositive,
  IsString,
  isFQDN,
  isIP,
  Matches,
  Max,
  Min,
  registerDecorator,
  validateSync,
} from 'class-validator';
import { slotsOf } from './schedule-slots';
import { ApiTokenList, apiTokenConflicts, readApiTokens } from './api-tokens';
import { GatewayList, readGateways } from './gateways';
import { ConfigService } from '@nestjs/config';

const toPath = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? resolve(value.replace(/^~(?=$|\/)/, homedir())) : value;

const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : value;

/** `true` and `false` as written; anything else is left as it is, for the check to name. */
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** Scheduled work runs on wall-clock slots (see slotsOf): an interval must fall on the same slots every day. */
function FitsSlots(unitSeconds: number, maxSeconds: number, message: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'fitsSlots',
      target: target.constructor,
      propertyName,
      options: { message },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'number' || value * unitSeconds > maxSeconds) return false;
          try {
            return Boolean(slotsOf(Math.round(value * unitSeconds)));
          } catch {
            return false;
          }
        },
      },
    });
}

/** A list setting: every item must pass `test`. */
function EveryItem(test: (item: string) => boolean, message: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'everyItem',
      target: target.constructor,
      propertyName,
      options: { message },
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.every((item) => typeof item === 'string' && test(item)),
      },
    });
}

/** An origin exactly as browsers send it in `Origin`, since requests are compared with it as a string. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** MC_API_TOKENS once read: valid when nothing was found wrong, and the message lists each problem. */
function TokensReadable() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'tokensReadable',
      target: target.constructor,
      propertyName,
      options: { message: ({ value }) => (value as ApiTokenList).problems.join('\n  - ') },
      validator: { validate: (value: unknown) => (value as ApiTokenList).problems.length === 0 },
    });
}

/** MC_OPENCLAW_GATEWAYS once read: valid when nothing was found wrong, and the message lists each problem. */
function GatewaysReadable() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'gatewaysReadable',
      target: target.constructor,
      propertyName,
      options: { message: ({ value }) => (value as GatewayList).problems.join('\n  - ') },
      validator: { validate: (value: unknown) => (value as GatewayList).problems.length === 0 },
    });
}

/** Settings whose values are secrets: a bad one is named, never repeated. */
const SECRETS = new Set(['MC_API_TOKEN', 'MC_API_TOKENS', 'MC_OPENCLAW_GATEWAYS']);

const isHostName = (value: string) =>
  isFQDN(value, { require_tld: false, allow_underscores: true }) || isIP(value.replace(/^\[(.*)\]$/, '$1'));

/**
 * Every setting Mission Control reads, from environment variables.
 * Defaults live here and nowhere else; the README's configuration table mirrors this class.
 */
export class EnvironmentVariables {
  @Transform(toPath)
  @IsString()
  MC_WORKSPACE: string = resolve(homedir(), '.openclaw/workspace');

  @Type(() => Number)
  @IsInt({ message: 'MC_API_PORT must be a whole number from 0 to 65535' })
  @Min(0, { message: 'MC_API_PORT must be a whole number from 0 to 65535' })
  @Max(65535, { message: 'MC_API_PORT must be a whole number from 0 to 65535' })
  MC_API_PORT: number = 8080;

  @Type(() => Number)
  @IsInt({ message: 'MC_WS_PORT must be a whole number from 0 to 65535' })
  @Min(0, { message: 'MC_WS_PORT must be a whole number from 0 to 65535' })
  @Max(65535, { message: 'MC_WS_PORT must be a whole number from 0 to 65535' })
  MC_WS_PORT: number = 8765;

  @IsString()
  @Matches(/^[A-Za-z0-9.:[\]-]+$/, { message: 'MC_HOST must be a host name or IP address' })
  MC_HOST: string = '127.0.0.1';

  @Transform(toPath)
  @IsString()
  MC_DATA_DIR: string = resolve('data');

  @Transform(toPath)
  @IsString()
  MC_BACKUP_DIR: string = resolve('backups');

  @FitsSlots(
    3_600,
    366 * 86_400,
    'MC_BACKUP_INTERVAL must divide an hour or a day evenly (0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24 hours…) or be whole days, at most 8784 hours',
  )
  @Type(() => Number)
  @IsPositive({
    message: 'MC_BACKUP_INTERVAL must be a positive number of hours (fractions allowed: 0.5 is 30 minutes)',
  })
  MC_BACKUP_INTERVAL: number = 6;

  @Type(() => Number)
  @IsPositive({ message: 'MC_BACKUP_RETENTION must be a positive number of days (fractions allowed)' })
  MC_BACKUP_RETENTION: number = 7;

  @FitsSlots(
    1,
    86_400,
    'MC_METRICS_INTERVAL must divide a minute, an hour or a day evenly (1, 2, 5, 10, 15, 30, 60, 300, 3600 seconds…), at most 86400',
  )
  @Type(() => Number)
  @IsInt({ message: 'MC_METRICS_INTERVAL must be a whole number of seconds, at least 1' })
  @Min(1, { message: 'MC_METRICS_INTERVAL must be a whole number of seconds, at least 1' })
  MC_METRICS_INTERVAL: number = 60;

  @Type(() => Number)
  @IsInt({ message: 'MC_WS_HEARTBEAT must be a whole number of seconds, at least 1' })
  @Min(1, { message: 'MC_WS_HEARTBEAT must be a whole number of seconds, at least 1' })
  MC_WS_HEARTBEAT: number = 30;

  @Type(() => Number)
  @IsPositive({ message: 'MC_METRICS_RETENTION must be a positive number of days (fractions allowed)' })
  MC_METRICS_RETENTION: number = 7;

  @Type(() => Number)
  @IsPositive({ message: 'MC_EVENTS_RETENTION must be a positive number of days (fractions allowed)' })
  MC_EVENTS_RETENTION: number = 30;

  @Type(() => Number)
  @IsPositive({ message: 'MC_STALE_MINUTES must be a positive number of minutes (fractions allowed)' })
  MC_STALE_MINUTES: number = 15;

  /** The watcher's safety net for changes the OS does not report (network drives, exhausted inotify watches). */
  @Type(() => Number)
  @IsInt({ message: 'MC_RESCAN_INTERVAL must be a whole number of seconds, at least 1' })
  @Min(1, { message: 'MC_RESCAN_INTERVAL must be a whole number of seconds, at least 1' })
  MC_RESCAN_INTERVAL: number = 30;

  @Type(() => Number)
  @IsInt({ message: 'MC_IMPORT_MAX_MB must be a whole number of megabytes, at least 1' })
  @Min(1, { message: 'MC_IMPORT_MAX_MB must be a whole number of megabytes, at least 1' })
  MC_IMPORT_MAX_MB: number = 1024;

  @Type(() => Number)
  @IsPositive({ message: 'MC_WS_REPLAY_MAX_MB must be a positive number of megabytes (fractions allowed)' })
  MC_WS_REPLAY_MAX_MB: number = 64;

  /**
   * Unsent data a WebSocket client may leave behind from one turn
   * of the event loop to the next before it is dropped (4008).
   */
  @Type(() => Number)
  @IsPositive({ message: 'MC_WS_CLIENT_MAX_MB must be a positive number of megabytes (fractions allowed)' })
  MC_WS_CLIENT_MAX_MB: number = 1;

  /** Event requests (bodies as sent) being read, checked and written at once; beyond it, 503 with Retry-After. */
  @Type(() => Number)
  @IsPositive({ message: 'MC_INGEST_MAX_MB must be a positive number of megabytes (fractions allowed)' })
  MC_INGEST_MAX_MB: number = 16;

  /** Where OpenClaw itself keeps its state: its own OPENCLAW_STATE_DIR when set, as OpenClaw reads it. */
  @Transform(toPath)
  @IsString()
  MC_OPENCLAW_HOME: string = resolve(process.env.OPENCLAW_STATE_DIR || resolve(homedir(), '.openclaw'));

  @IsIn(['on', 'off'], { message: 'MC_OPENCLAW must be on or off' })
  MC_OPENCLAW: 'on' | 'off' = 'on';

  @Type(() => Number)
  @IsPositive({ message: 'MC_OPENCLAW_POLL must be a positive number of seconds (fractions allowed)' })
  MC_OPENCLAW_POLL: number = 5;

  @Type(() => Number)
  @IsPositive({ message: 'MC_STUCK_MINUTES must be a positive number of minutes (fractions allowed)' })
  MC_STUCK_MINUTES: number = 10;

  /** OpenClaw gateways to connect to besides openclaw.json's local one, or `off` (gateways/, README "Gateways"). */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? readGateways(value) : value))
  @GatewaysReadable()
  MC_OPENCLAW_GATEWAYS?: GatewayList;

  /**
   * Act as a reviewer of OpenClaw's exec approvals: headless runs then wait for a decision instead of being refused.
   */
  @Transform(toBoolean)
  @IsBoolean({ message: 'MC_OPENCLAW_APPROVALS must be true or false' })
  MC_OPENCLAW_APPROVALS: boolean = false;

  /** The first reconnect to a gateway waits about this long; each next one twice as long, up to 30 times it. */
  @Type(() => Number)
  @IsPositive({ message: 'MC_OPENCLAW_GATEWAY_RETRY must be a positive number of seconds (fractions allowed)' })
  MC_OPENCLAW_GATEWAY_RETRY: number = 1;

  /**
   * A JSON or YAML file of alert rules and webhook channels, loaded at every start (see the README's Alerts section).
   */
  @IsOptional()
  @Transform(toPath)
  @IsString()
  MC_ALERT_RULES?: string;

  /**
   * The first retry of a failed webhook delivery waits about this long; each next one twice as long, up to 10 minutes.
   */
  @Type(() => Number)
  @IsPositive({ message: 'MC_WEBHOOK_RETRY_BASE must be a positive number of seconds (fractions allowed)' })
  MC_WEBHOOK_RETRY_BASE: number = 1;

  /** Webhooks to link-local addresses (169.254/16, fe80::/10) and cloud metadata services; refused unless true. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'MC_WEBHOOK_ALLOW_LINK_LOCAL must be true or false' })
  MC_WEBHOOK_ALLOW_LINK_LOCAL: boolean = false;

  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'MC_API_TOKEN must not be empty when set' })
  @Matches(/^\S+$/, { message: 'MC_API_TOKEN must not contain white space' })
  MC_API_TOKEN?: string;

  /** Named tokens with roles: the path of a JSON file, or the JSON itself (config/api-tokens.ts). */
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? readApiTokens(value) : value))
  @TokensReadable()
  MC_API_TOKENS?: ApiTokenList;

  /** Empty: same origin only (the dashboard is served by the app itself). */
  @Transform(toList)
  @EveryItem(
    (item) => item === '*' || isOrigin(item),
    'MC_CORS_ORIGINS must be * or origins as browsers send them, scheme://host[:port] in lower case with no path (http://dash.example:3000)',
  )
  MC_CORS_ORIGINS: string[] = [];

  /** Names the service answers to besides localhost, the loopback addresses and MC_HOST (see HostCheckMiddleware). */
  @Transform(toList)
  @EveryItem(
    isHostName,
    'MC_ALLOWED_HOSTS must be comma-separated host names or IP addresses, without ports (mc.example.com, 192.168.1.20)',
  )
  MC_ALLOWED_HOSTS: string[] = [];

  /** Names this process in health and logs; several instances of one cluster need different ones. */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
    message:
      'MC_INSTANCE_ID must be 1 to 128 letters, digits, dots, dashes, underscores or colons, starting with a letter or digit',
  })
  MC_INSTANCE_ID: string = `${hostname()}-${process.pid}`;

  /** `postgres://…`: PostgreSQL instead of SQLite at <MC_DATA_DIR>/metrics.db. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message: 'MC_DATABASE_URL must be a postgres:// or postgresql:// URL (postgres://user:password@host:5432/database)',
  })
  MC_DATABASE_URL?: string;

  /** `redis://…`: the event bus of a cluster of instances; needs MC_DATABASE_URL. */
  @IsOptional()
  @Matches(/^rediss?:\/\/\S*$/, { message: 'MC_REDIS_URL must be a redis:// or rediss:// URL (redis://host:6379)' })
  MC_REDIS_URL?: string;

  /** A file of variables read at start instead of `.env` in the working directory (see env-file.ts). */
  @IsOptional()
  @Transform(toPath)
  @IsString()
  MC_ENV_FILE?: string;

  /** `json`: one JSON object per line, for log collectors; `text`: Nest's coloured lines. */
  @IsIn(['text', 'json'], { message: 'MC_LOG_FORMAT must be text or json' })
  MC_LOG_FORMAT: 'text' | 'json' = 'text';

  /** `debug` adds Nest's own start-up listing (each module and route); `warn` and `error` keep only problems. */
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'], {
    message: 'MC_LOG_LEVEL must be error, warn, log, debug or verbose',
  })
  MC_LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

/**
 * Validates the environment once at start. Throws one error naming every bad variable, what it
 * must be and what it got, so `nest start` stops with a message the user can act on.
 */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const known = knownVariables();
  const present = Object.fromEntries(
    Object.entries(raw).filter(([key, value]) => known.includes(key) && value !== undefined && value !== ''),
  );
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env);
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const got = SECRETS.has(e.property) ? '' : `got "${withoutPassword(String(present[e.property]))}"`;
      const from = fileValues.get(e.property) === present[e.property] ? `in ${fileOfValues}` : '';
      const note = [got, from].filter(Boolean).join(' ');
      return `${Object.values(e.constraints ?? {})[0]}${note ? ` (${note})` : ''}`;
    });
    throw new Error(`Invalid configuration:\n  - ${lines.join('\n  - ')}`);
  }
  if (env.MC_REDIS_URL && !env.MC_DATABASE_URL) {
    throw new Error(
      'Invalid configuration:\n  - MC_REDIS_URL is set without MC_DATABASE_URL: instances of a cluster share their data through PostgreSQL, which SQLite files cannot do. Set both, or neither for one instance on SQLite',
    );
  }
  const conflicts = apiTokenConflicts(env.MC_API_TOKENS, env.MC_API_TOKEN, env.MC_WORKSPACE);
  if (conflicts.length > 0) throw new Error(`Invalid configuration:\n  - ${conflicts.join('\n  - ')}`);
  return env;
}

/** The names of every setting. */
export function knownVariables(): string[] {
  return Object.keys(new EnvironmentVariables());
}

/** Values an env file set, so that a bad one is reported with the file it came from. */
let fileOfValues = '';
const fileValues = new Map<string, string>();

export function noteEnvFileValues(file: string, values: Record<string, string>): void {
  fileOfValues = file;
  fileValues.clear();
  for (const [name, value] of Object.entries(values)) fileValues.set(name, value);
}

/** A URL as it may be shown in messages and logs: its password, if any, replaced by ***. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/**
 * The validated configuration, typed: inject `AppConfig` and read `config.get('MC_API_PORT', { infer: true })`.
 * It is @nestjs/config's ConfigService under a class of its own, so constructors can name it.
 */
export abstract class AppConfig extends ConfigService<EnvironmentVariables, true> {}
