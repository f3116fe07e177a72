import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, removeDirs, startApp } from './support/app-harness';

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
});
