import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { api, makeTempDir, removeDirs, startApp } from './support/app-harness';
import { ROOT, spawnService } from './support/service-process';

/**
 * The OpenAPI document is an API promise: old clients and generated SDKs read it. The app's own document
 * must equal the committed one, so every change to it shows in review. After a change on purpose:
 *   UPDATE_OPENAPI=1 npx jest --config test/jest-e2e.json test/openapi.e2e-spec.ts
 */
const SNAPSHOT = join(__dirname, 'fixtures', 'openapi.json');

/** The document without what changes with every release (the package's version). */
function comparable(doc: { info: { version: string } }): unknown {
  return { ...doc, info: { ...doc.info, version: '<package.json version>' } };
}

describe('The OpenAPI document', () => {
  it('is the committed test/fixtures/openapi.json', async () => {
    const t = await startApp({ fixture: false });
    try {
      const { status, body } = await api(t.url, '/docs-json');
      expect(status).toBe(200);
      const doc = comparable(body);
      if (process.env.UPDATE_OPENAPI === '1') await writeFile(SNAPSHOT, `${JSON.stringify(doc, null, 2)}\n`);
      expect(doc).toEqual(JSON.parse(await readFile(SNAPSHOT, 'utf8')));
    } finally {
      await t.close();
      await removeDirs(t.workspace, t.dataDir);
    }
  });

  it("is the same from the built service that npm start runs (SWC, with the plugin's files compiled by tsc)", async () => {
    // What npm run cli does first, and a part of what npm start does: dist/ made when older than a source.
    await promisify(execFile)(process.execPath, ['src/build/build-if-stale.js'], { cwd: ROOT });
    const dataDir = await makeTempDir('mc-openapi-');
    const service = spawnService('dist/main.js', [], {
      MC_DATA_DIR: dataDir,
      MC_WORKSPACE: dataDir,
      MC_OPENCLAW: 'off',
    });
    try {
      const { status, body } = await api(await service.url(), '/docs-json');
      expect(status).toBe(200);
      expect(comparable(body)).toEqual(JSON.parse(await readFile(SNAPSHOT, 'utf8')));
    } finally {
      await service.stop();
      await removeDirs(dataDir);
    }
  }, 300_000);
});
