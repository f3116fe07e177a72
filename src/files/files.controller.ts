import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../common/error.dto';
import { FileContentDto, FilePathQuery, FolderDto } from './dto/files.dto';
import { FilesService } from './files.service';

@ApiTags('files')
@ApiForbiddenResponse({ type: ErrorDto, description: 'Invalid path: outside the workspace.' })
@ApiNotFoundResponse({ type: ErrorDto })
@Controller('api/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /** Lists a folder of the workspace. */
  @Get('browse')
  browse(@Query() query: FilePathQuery): Promise<FolderDto> {
    return this.files.browse(query.path);
  }

  /** Reads a text file of the workspace (at most 1 MiB). */
  @Get('read')
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'Over 1 MiB.' })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorDto, description: 'A binary file.' })
  read(@Query() query: FilePathQuery): Promise<FileContentDto> {
    return this.files.read(query.path);
  }
}
