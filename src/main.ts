import { Logger } from '@nestjs/common';
import { createApp, handleShutdownSignals, listen } from './app.factory';
import { describeEnvFile, loadEnvFile } from './config/env-file';
import { tuneHeap } from './process-tuning';
import { startUpReport } from './start-up-report';

async function bootstrap(): Promise<void> {
  tuneHeap();
  // Before anything reads the environment; said once the logger is set up (MC_LOG_FORMAT may come from the file).
  const envFile = describeEnvFile(loadEnvFile());
  const logger = new Logger('MissionControl');
  const app = await createApp();
  if (envFile.log) logger.log(envFile.log);
  if (envFile.warning) logger.warn(envFile.warning);
  await listen(app);
  handleShutdownSignals(app);
  for (const line of await startUpReport(app)) logger.log(line);
}

bootstrap().catch((error: Error) => {
  // A configuration or database problem: one clear message, no stack trace to dig through.
  const message = `Mission Control could not start: ${error.message}`;
  // A log collector reads this line too.
  if (process.env.MC_LOG_FORMAT === 'json')
    console.error(
      JSON.stringify({ time: new Date().toISOString(), level: 'fatal', context: 'MissionControl', message }),
    );
  else console.error(message);
  process.exit(1);
});
