import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class ListTasksQuery {
  /** A normalised status such as pending, in_progress, completed, failed. */
  @IsOptional()
  @Transform(lower)
  @Matches(/^[a-z][a-z0-9_]{0,31}$/, { message: 'status must be a status word such as pending, in_progress or completed' })
  status?: string;

  /** An agent id, compared without regard to case. */
  @IsOptional()
  @Transform(lower)
  @Matches(/^[a-z0-9_][a-z0-9_.@ -]{0,127}$/, { message: 'assigned_to must be an agent id or name of at most 128 characters' })
  assigned_to?: string;

  /** P0–P3, or the priority as written in the queue. */
  @IsOptional()
  @Transform(lower)
  @Matches(/^[a-z0-9_-]{1,16}$/, { message: 'priority must be a priority such as P0, P1, P2 or P3' })
  priority?: string;
}
