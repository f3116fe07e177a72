/** The shape of every error answer. */
export class ErrorDto {
  /** A readable message. */
  error!: string;
  status_code!: number;
  /** The request's path. */
  path!: string;
  /** ISO 8601. */
  timestamp!: string;
  /** For validation errors (400): each bad field with its messages. */
  details?: { field: string; messages: string[] }[];
  /** For validation errors with more than 20 problems: how many `details` leaves out. */
  omitted_problems?: number;
  /** For 507 (not enough disk space): the folder that is full. */
  full_path?: string;
  /** For 507: the variable that sets that folder (MC_DATA_DIR, MC_BACKUP_DIR or MC_WORKSPACE). */
  variable?: string;
  /** For 507: bytes free there, when the disk says. */
  free_bytes?: number | null;
}
