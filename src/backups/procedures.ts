import { ProcedureDto } from './dto/backup.dto';

/** How to recover, step by step, as the service and its command line really do it. */
export const PROCEDURES: ProcedureDto[] = [
  {
    name: 'Full restore',
    steps: [
      'Pick a full backup: GET /api/backups?type=full (newest first), or npm run cli -- list.',
      'Check it: POST /api/backups/{id}/verify must answer valid: true (the archive hash, then every file against manifest.json).',
      'Restore: POST /api/backups/{id}/restore with an empty body, or npm run cli -- restore {id}. The service verifies again and refuses (422) a damaged backup, then takes a pre_restore safety backup of the current workspace.',
      'The archive is extracted into a staging folder beside the workspace (.mc-restore-*); entries that are links, absolute paths or climb out with .. make the whole archive refused.',
      'The staged mission-control/ folder replaces the current one by rename; folders that backups do not take are carried over. A crash during the swap is finished or undone at the next start.',
      'The watcher reloads the restored states; dashboards receive agent_status messages and a notification.',
      'To undo, restore the safety backup named in the answer (safety_backup_id).',
      'The metrics database is restored offline only: stop the service, then npm run cli -- restore {id} --with-database.',
    ],
  },
  {
    name: 'Single-agent restore',
    steps: [
      'Pick a full backup or an agent_state backup of that agent: GET /api/backups.',
      'Restore: POST /api/backups/{id}/restore with {"agent_id": "<id>"}, or npm run cli -- restore {id} --agent <id>.',
      'The backup is verified, a safety backup of that agent (agent_state; full if its folder is gone) is made, and only agents/<id>/ is extracted and swapped in by rename.',
      'Other agents, the office and the task queue are not touched.',
    ],
  },
  {
    name: 'Manual file recovery',
    steps: [
      'Download the backup: GET /api/backups/{id}/download, or npm run cli -- export {id} FILE. The X-Integrity-Hash header carries its sha256.',
      'Check it: sha256sum FILE must match; tar -xzf FILE manifest.json lists every file with its size and sha256.',
      'List it: tar -tzf FILE. Workspace files are under mission-control/, the database under database/metrics.db.',
      'Extract only what you need into an empty folder: mkdir /tmp/recover && tar -xzf FILE -C /tmp/recover mission-control/agents/<id>/state.json',
      'Copy the file into the workspace; write to a temporary name first and rename it into place, so the watcher never reads half a file.',
    ],
  },
];
