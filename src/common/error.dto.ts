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
}
