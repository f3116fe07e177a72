import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import { validateEnvironment } from '../config/environment';
import { PINO_LEVELS } from './app-logger';

/** A request id a client or proxy may set: short, printable, no spaces. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the one a proxy or client sent in `X-Request-Id` when it looks like one,
 * otherwise a new one, and sent back in the answer either way so both ends can find the lines.
 */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/**
 * MC_LOG_FORMAT=json: every log line, Nest's own included, is one JSON object (`time`, `level`,
 * `context`, `instance`, `message`, and `request_id` for lines written while serving a request),
 * through pino. With `text` (the default) nothing is added: Nest's console logger stays, and no
 * request pays for a logger it does not use.
 */
@Module({})
export class LoggingModule {
  static forRoot(): DynamicModule {
    const env = validateEnvironment(process.env);
    if (env.MC_LOG_FORMAT !== 'json') return { module: LoggingModule };
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: PINO_LEVELS[env.MC_LOG_LEVEL],
            base: { instance: env.MC_INSTANCE_ID },
            timestamp: stdTimeFunctions.isoTime,
            messageKey: 'message',
            formatters: { level: (label) => ({ level: label }) },
            genReqId: requestId,
            customAttributeKeys: { reqId: 'request_id' },
            // Lines written while serving a request carry its id, not the whole request.
            quietReqLogger: true,
            // No line per request: at thousands of events a second that would be most of the log.
            autoLogging: false,
            // Should a request ever be logged whole, its token is not.
            redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
          },
        }),
      ],
    };
  }
}
