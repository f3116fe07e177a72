import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/*
 * status and priority are checked twice: their form here, and against the values the queue can hold in
 * TasksService (the usual ones and any the queue holds now), since a queue may use words of its own.
 */
export class ListTasksQuery {
  /** A normalised status: pending, in_progress, review, completed, failed, cancelled, or one the queue holds as written. */
  @IsOptional()
  @Transform(lower)
  @Matches(/^[a-z][a-z0-9_]{0,31}$/, {
    message: 'status must be a status word such as pending, in_progress or completed',
  })
  status?: string;

  /** An agent id, compared without regard to case. */
  @IsOptional()
  @Transform(lower)
  @Matches(/^[a-z0-9_][a-z0-9_.@ -]{0,127}$/, {
    message: 'assigned_to must be an agent id or name of at most 128 characters',
  })
  assigned_to?: string;

  /** P0–P3, or a priority the queue holds as written; without regard to case. */
  @IsOptional()
  @Transform(lower)
  @Matches(/^[a-z0-9_-]{1,16}$/, { message: 'priority must be a priority such as P0, P1, P2 or P3' })
  priority?: string;
}
