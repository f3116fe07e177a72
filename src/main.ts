import { Logger } from '@nestjs/common';
import { createApp, handleShutdownSignals, listen } from './app.factory';
import { limitHeapGrowth } from './common/process';

async function bootstrap(): Promise<void> {
  limitHeapGrowth();
  const logger = new Logger('MissionControl');
  const app = await createApp();
  await listen(app);
  logger.log(`REST API on ${await app.getUrl()}, documentation at ${await app.getUrl()}/docs`);
  handleShutdownSignals(app);
}

bootstrap().catch((error: Error) => {
  // A configuration or database problem: one clear message, no stack trace to dig through.
  console.error(`Mission Control could not start: ${error.message}`);
  process.exit(1);
});
