import { BadRequestException, INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { join } from 'node:path';
import { ApiTokenMiddleware } from './common/api-token.middleware';
import { HostCheckMiddleware } from './common/host-check.middleware';
import { guardHttpServer } from './common/http-server';
import { jsonTextProblem } from './common/json-shape';
import { defaultedParametersOptional } from './common/openapi-defaults';
import { exitProcess, forceExit } from './common/process';
import { projectRoot, serviceVersion } from './common/project';
import { AppConfig, validateEnvironment } from './config/environment';
import { IngestGate } from './events/ingest-gate';
import { AppLogger, textLogger } from './logging/app-logger';
import { RealtimeAdapter } from './realtime/realtime.adapter';
import { RealtimeGateway } from './realtime/realtime.gateway';
import { StatusService } from './status/status.service';

/**
 * Builds the application exactly as `nest start` runs it: main.ts and the tests both use this,
 * so tests exercise the same pipes, filters, CORS and documentation.
 */
export async function createApp(options: { logger?: false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    // Nest's own listing of modules and routes at debug level (MC_LOG_LEVEL=debug shows it).
    logger: options.logger ?? textLogger(validateEnvironment(process.env).MC_LOG_LEVEL),
    // Held until the logger is chosen, so that MC_LOG_FORMAT=json applies from the first line.
    bufferLogs: options.logger !== false,
    abortOnError: false,
  });
  const config = app.get(AppConfig);
  if (config.get('MC_LOG_FORMAT', { infer: true }) === 'json') app.useLogger(new AppLogger(app.get(PinoLogger)));
  else app.flushLogs();
  const hostCheck = new HostCheckMiddleware(config);
  app.use(hostCheck.use);
  const origins = config.get('MC_CORS_ORIGINS', { infer: true });
  // With no origin listed the app is same-origin only, and answers no CORS headers at all.
  if (origins.length > 0) {
    app.enableCors({
      origin: origins.includes('*') ? '*' : origins,
      allowedHeaders: ['Content-Type', 'Authorization'],
    });
  }
  // Writes and transcripts: before anything reads a body, serves a file or routes the request.
  app.use(new ApiTokenMiddleware(config).use);
  app.useWebSocketAdapter(new RealtimeAdapter(app, hostCheck));
  app.disable('x-powered-by');
  // node:querystring: `a[]=1` stays a key of its own and `a=1&a=2` a list, which validation refuses (one value each).
  app.set('query parser', 'simple');
  // The dashboard and its one library, served by the app itself: the page makes no request elsewhere.
  app.useStaticAssets(join(projectRoot(), 'src', 'dashboard', 'public'), { index: 'index.html' });
  app.useStaticAssets(join(projectRoot(), 'node_modules', 'uplot', 'dist'), { prefix: '/vendor/uplot/' });
  // Ahead of the body parser, so refused event requests are never read into memory.
  app.use('/api/events', app.get(IngestGate).use);
  // A full batch is 1000 events of up to 16 KiB of data each.
  app.useBodyParser('json', { limit: '20mb', verify: refuseOversizedJson });
  setUpDocs(app);
  return app;
}

/** Objects of too many keys are refused before JSON.parse, which takes half a second for 200,000 of them. */
function refuseOversizedJson(_request: unknown, _response: unknown, body: Buffer, encoding: string): void {
  const problem = encoding.toLowerCase() === 'utf-8' ? jsonTextProblem(body) : null;
  if (problem)
    throw new BadRequestException({
      message: `Invalid request: ${problem}`,
      details: [{ field: 'body', messages: [problem] }],
    });
}

function setUpDocs(app: INestApplication): void {
  const document = new DocumentBuilder()
    .setTitle('Mission Control')
    .setDescription(
      'Live state, history and backups of a fleet of AI agents in an OpenClaw workspace. ' +
        'Reads are open; when MC_API_TOKEN is set, every POST, PUT, PATCH and DELETE needs `Authorization: Bearer <token>`.',
    )
    .setVersion(serviceVersion())
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => defaultedParametersOptional(SwaggerModule.createDocument(app, document)), {
    jsonDocumentUrl: 'docs-json',
  });
}

/** How long the WebSocket gateway, which starts listening before the API does, may take to be listening. */
const GATEWAY_LISTEN_MS = 3_000;

/**
 * Listens on MC_API_PORT and MC_HOST unless told otherwise (tests use port 0), and fails, as a port in
 * use for the API does, when the WebSocket gateway could not listen on MC_WS_PORT (its error is logged).
 */
export async function listen(app: NestExpressApplication, port?: number): Promise<void> {
  const config = app.get(AppConfig);
  guardHttpServer(app.getHttpServer());
  const host = config.get('MC_HOST', { infer: true });
  const inUse = 'stop what listens there, or choose another port';
  try {
    await app.listen(port ?? config.get('MC_API_PORT', { infer: true }), host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') (error as Error).message += ` (MC_API_PORT: ${inUse})`;
    throw error;
  }
  const gateway = app.get(RealtimeGateway);
  for (const deadline = Date.now() + GATEWAY_LISTEN_MS; gateway.port === null;) {
    if (Date.now() > deadline)
      throw new Error(
        `the WebSocket gateway could not listen on ${host}:${config.get('MC_WS_PORT', { infer: true })} ` +
          `(MC_WS_PORT; its error is above: if the port is in use, ${inUse})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Beyond this, a stuck shutdown is a bug: say so and leave. */
const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * On the first SIGINT or SIGTERM: runs `onStop` (for work started beside the app), closes the app
 * and exits 0. Shared by main.ts and the demo so both stop the same way.
 */
export function handleShutdownSignals(app: INestApplication, onStop?: () => Promise<void>): void {
  const logger = new Logger('MissionControl');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    // The stop's line and status.json say how it stopped.
    app.get(StatusService, { strict: false }).stopping(signal);
    setTimeout(() => {
      logger.error(`Shutdown took over ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      // Whatever holds the shutdown up may hold a thread of libuv's pool too, which process.exit would wait for.
      forceExit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await onStop?.();
    await app.close();
    logger.log('Stopped');
    exitProcess(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
