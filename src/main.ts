import { Logger } from '@nestjs/common';
import { createApp, listen } from './app.factory';

/** Beyond this, a stuck shutdown is a bug: say so and leave. */
const SHUTDOWN_DEADLINE_MS = 9_000;

async function bootstrap(): Promise<void> {
  const logger = new Logger('MissionControl');
  const app = await createApp();
  await listen(app);
  logger.log(`REST API on ${await app.getUrl()}, documentation at ${await app.getUrl()}/docs`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    setTimeout(() => {
      logger.error(`Shutdown took over ${SHUTDOWN_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    await app.close();
    logger.log('Stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

bootstrap().catch((error: Error) => {
  // A configuration or database problem: one clear message, no stack trace to dig through.
  console.error(`Mission Control could not start: ${error.message}`);
  process.exit(1);
});
