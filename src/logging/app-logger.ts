import { ConsoleLogger, LoggerService, LogLevel } from '@nestjs/common';
import { EnvironmentVariables } from '../config/environment';

type LogLevelSetting = EnvironmentVariables['MC_LOG_LEVEL'];

/** MC_LOG_LEVEL's values, least to most: each shows its own lines and those before it. */
const LOG_LEVELS: LogLevelSetting[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** The levels Nest's loggers print at MC_LOG_LEVEL `setting` (fatal always). */
export function levelsUpTo(setting: LogLevelSetting): LogLevel[] {
  return ['fatal', ...LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(setting) + 1)];
}

/**
 * Nest's own account of its start: each module loaded, route mapped and WebSocket message subscribed
 * (about a hundred lines), and its "starting" and "started". Useful when debugging, noise otherwise.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

/**
 * The service's logger: `inner` (Nest's console logger, or pino for MC_LOG_FORMAT=json), with Nest's
 * start-up listing written at debug level instead of log, so that a default start says in a few lines
 * what it found and where to look.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) this.inner.debug?.(message, ...params);
    else this.inner.log(message, ...params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug?.(message, ...params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose?.(message, ...params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    if (this.inner.fatal) this.inner.fatal(message, ...params);
    else this.inner.error(message, ...params);
  }

  setLogLevels(levels: LogLevel[]): void {
    this.inner.setLogLevels?.(levels);
  }
}

/** The text logger (MC_LOG_FORMAT=text): Nest's console lines at MC_LOG_LEVEL. */
export function textLogger(setting: LogLevelSetting): AppLogger {
  return new AppLogger(new ConsoleLogger({ logLevels: levelsUpTo(setting) }));
}

/** pino's name for each MC_LOG_LEVEL. */
export const PINO_LEVELS: Record<LogLevelSetting, string> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};
