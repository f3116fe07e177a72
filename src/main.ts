import { Logger } from '@nestjs/common';
import { createApp, handleShutdownSignals, listen } from './app.factory';
import { tuneHeap } from './process-tuning';
import { describeEnvFile, loadEnvFile } from './config/env-file';
import { AppConfig } from './config/environment';

async function bootstrap(): Promise<void> {
  tuneHeap();
  // Before anything reads the environment; said once the logger is set up (MC_LOG_FORMAT may come from the file).
  const envFile = describeEnvFile(loadEnvFile());
  const logger = new Logger('MissionControl');
  const app = await createApp();
  if (envFile.log) logger.log(envFile.log);
  if (envFile.warning) logger.warn(envFile.warning);
  await listen(app);
  const instance = app.get(AppConfig).get('MC_INSTANCE_ID', { infer: true });
  logger.log(`Instance ${instance}: REST API on ${await app.getUrl()}, documentation at ${await app.getUrl()}/docs`);
  handleShutdownSignals(app);
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
