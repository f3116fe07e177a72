import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCursor } from './cursor';
import { decimalInteger } from './validation';

const LIMIT_MESSAGE = 'limit must be a whole number from 1 to 1000';

/** The paging half of a list's query: how many, and where the previous page stopped. */
export class PageQuery {
  /** 1 to 1000, default 100. */
  @IsOptional()
  @Transform(decimalInteger)
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(1000, { message: LIMIT_MESSAGE })
  limit: number = 100;

  /** The `next_cursor` of the previous page. */
  @IsCursor()
  cursor?: string;
}
