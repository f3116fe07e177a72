import { ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class FilePathQuery {
  /** A path relative to MC_WORKSPACE; empty for the workspace itself. */
  @IsOptional()
  @IsString({ message: 'path must be a single string' })
  @MaxLength(1024, { message: 'path must be at most 1024 characters' })
  path: string = '';
}

export class FileItemDto {
  name!: string;
  @ApiProperty({ enum: ['file', 'directory'] })
  type!: 'file' | 'directory';
  /** Bytes (0 for folders). */
  size!: number;
  /** ISO 8601. */
  modified!: string;
}

export class FolderDto {
  path!: string;
  items!: FileItemDto[];
}

export class FileContentDto {
  path!: string;
  /** UTF-8 text. */
  content!: string;
  size!: number;
}
