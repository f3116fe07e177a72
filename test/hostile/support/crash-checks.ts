import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseBackupFileName } from '../../../src/backups/backup-names';
import { api } from '../../support/app-harness';
import { ServiceFolders } from './service';

/**
 * What the service writes only for a moment and must never leave behind once it has started again:
 * restore staging and old folders, temporary and partial files, uploads, lock drafts, the restore journal,
 * and a backup lock whose holder is gone (taken over and removed at start).
 */
const TEMPORARY = [
  /^\.mc-(restore|old)-/,
  /\.tmp$/,
  /\.stale$/,
  /\.partial/,
  /^\.upload-/,
  /^\.restore-db-/,
  /^restore-journal\.json$/,
  /^\.operation\.lock$/,
];

/** Every path under the service's folders that looks temporary. */
export async function temporaryLeftovers(f: ServiceFolders): Promise<string[]> {
  const found: string[] = [];
  for (const root of [f.workspace, f.dataDir, f.backupDir]) {
    const paths = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    found.push(
      ...paths.filter((p) => TEMPORARY.some((pattern) => pattern.test(basename(p)))).map((p) => join(root, p)),
    );
  }
  return found;
}

/** Every file under `dir` with its sha256, sorted: two trees with the same content give the same text. */
export async function treeDigest(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  const lines = await Promise.all(
    files.map(
      async (file) =>
        `${file.slice(dir.length)} ${createHash('sha256')
          .update(await readFile(file))
          .digest('hex')}`,
    ),
  );
  return lines.sort().join('\n');
}

/** The `marker` of every stored event of this type, read page by page through the API. */
export async function storedMarkers(url: string, type: string): Promise<Set<string>> {
  const markers = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { body: { events: { data: { marker: string } }[]; next_cursor: string | null } } = await api(
      url,
      `/api/system/events?type=${type}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const event of page.body.events) markers.add(event.data.marker);
    cursor = page.body.next_cursor;
  } while (cursor);
  return markers;
}

/**
 * What is wrong with the backups: a listed one that does not verify, or a backup-looking file in the
 * folder that is not listed. `verified` holds the ids already checked (each is verified once).
 */
export async function backupProblems(url: string, backupDir: string, verified: Set<string>): Promise<string[]> {
  const listed: { id: string; type: string }[] = (await api(url, '/api/backups')).body.backups;
  const problems: string[] = [];
  for (const backup of listed.filter((b) => !verified.has(b.id))) {
    const result = await api(url, `/api/backups/${backup.id}/verify`, { method: 'POST' });
    if (result.body.valid === true) verified.add(backup.id);
    else problems.push(`listed backup ${backup.id} does not verify: ${JSON.stringify(result.body)}`);
  }
  const ids = new Set(listed.map((b) => b.id));
  for (const name of await readdir(backupDir)) {
    const parsed = parseBackupFileName(name);
    if (parsed && !ids.has(parsed.id)) problems.push(`${name} is in the backup folder but not listed`);
  }
  return problems;
}
