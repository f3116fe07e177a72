import { Logger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { createApp, handleShutdownSignals, listen } from './app.factory';
import { describeEnvFile, loadEnvFile } from './config/env-file';
import { validateEnvironment } from './config/environment';
import { tuneHeap } from './process-tuning';
import { startUpReport } from './start-up-report';
import { writeFailedStart } from './status/failed-start';
import { StatusService } from './status/status.service';

/** The application, once made: a start that fails after that says so in its status.json. */
let app: NestExpressApplication | undefined;

async function bootstrap(): Promise<void> {
  tuneHeap();
  // Before anything reads the environment; said once the logger is set up (MC_LOG_FORMAT may come from the file).
  const envFile = describeEnvFile(loadEnvFile());
  const logger = new Logger('MissionControl');
  app = await createApp();
  if (envFile.log) logger.log(envFile.log);
  if (envFile.warning) logger.warn(envFile.warning);
  await listen(app);
  handleShutdownSignals(app);
  for (const line of await startUpReport(app)) logger.log(line);
}

/** status.json says `failed` and why, unless another service holds the data folder (its status is its own). */
async function recordFailure(reason: string): Promise<void> {
  if (app) return app.get(StatusService, { strict: false }).startFailed(reason);
  // Made no application (a database it could not open, say): from the configuration, if that is valid.
  let env;
  try {
    env = validateEnvironment(process.env);
  } catch {
    return;
  }
  await writeFailedStart(env.MC_DATA_DIR, reason, { host: env.MC_HOST, port: env.MC_API_PORT });
}

bootstrap().catch(async (error: Error) => {
  // A configuration or database problem, a port in use: one clear message, no stack trace to dig through.
  const message = `Mission Control could not start: ${error.message}`;
  // A log collector reads this line too.
  if (process.env.MC_LOG_FORMAT === 'json')
    console.error(
      JSON.stringify({ time: new Date().toISOString(), level: 'fatal', context: 'MissionControl', message }),
    );
  else console.error(message);
  await recordFailure(error.message).catch((failure: Error) =>
    console.error(`Could not write status.json as failed: ${failure.message}`),
  );
  process.exit(1);
});
