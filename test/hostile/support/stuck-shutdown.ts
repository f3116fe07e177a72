/**
 * The service as src/main.ts starts it, except that its shutdown first opens the FIFO named on the
 * command line, which no one writes: a thread of libuv's pool then waits in open() for good, as it
 * would on a file of a hung network mount. Used by openclaw-home.hostile-spec.ts.
 */
import { Logger } from '@nestjs/common';
import { open } from 'node:fs/promises';
import { createApp, handleShutdownSignals, listen } from '../../../src/app.factory';
import { tuneHeap } from '../../../src/process-tuning';

async function bootstrap(): Promise<void> {
  tuneHeap();
  const app = await createApp();
  await listen(app);
  new Logger('MissionControl').log(`REST API on ${await app.getUrl()}`);
  handleShutdownSignals(app, async () => {
    await open(process.argv[2], 'r');
  });
}

void bootstrap();
