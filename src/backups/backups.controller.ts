import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Response } from 'express';
import { ErrorDto } from '../common/error.dto';
import { ApiInsufficientStorageResponse } from '../common/insufficient-storage.exception';
import { BackupsService } from './backups.service';
import { toBackupDto } from './dto/backup.dto';
import { PROCEDURES } from './procedures';
import { RestoreService } from './restore.service';
import { BackupIdParams, CreateBackupDto, ListBackupsQuery, RestoreBackupDto } from './dto/backup-request.dto';
import { BackupDto, BackupListDto, ProcedureListDto, RestoreResultDto, VerifyResultDto } from './dto/backup.dto';

@ApiTags('backups')
@ApiConflictResponse({
  type: ErrorDto,
  description: 'Another backup, restore or import is running; `running` says which.',
})
@Controller('api/backups')
export class BackupsController {
  constructor(
    private readonly backups: BackupsService,
    private readonly restores: RestoreService,
  ) {}

  /** Every backup, newest first. */
  @Get()
  list(@Query() query: ListBackupsQuery): Promise<BackupListDto> {
    return this.backups.list(query.type).then((backups) => ({ backups: backups.map(toBackupDto) }));
  }

  /** The recovery procedures, step by step. */
  @Get('procedures')
  procedures(): ProcedureListDto {
    return { procedures: PROCEDURES };
  }

  /** Makes a backup now. */
  @Post()
  @ApiInsufficientStorageResponse()
  @ApiNotFoundResponse({ type: ErrorDto, description: 'agent_state of an agent with no folder.' })
  create(@Body() body: CreateBackupDto): Promise<BackupDto> {
    return this.backups.create(body.type, body.agent_id ?? null).then(toBackupDto);
  }

  /** Checks the archive's hash, then every file against the manifest. */
  @Post(':id/verify')
  @ApiInsufficientStorageResponse()
  @HttpCode(200)
  @ApiNotFoundResponse({ type: ErrorDto })
  verify(@Param() params: BackupIdParams): Promise<VerifyResultDto> {
    return this.backups.verify(params.id);
  }

  /** Restores the workspace, or one agent with {agent_id}, after verifying and taking a safety backup. */
  @Post(':id/restore')
  @ApiInsufficientStorageResponse()
  @HttpCode(200)
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorDto,
    description: 'The backup failed verification, or cannot restore what was asked; nothing was changed.',
  })
  restore(@Param() params: BackupIdParams, @Body() body: RestoreBackupDto): Promise<RestoreResultDto> {
    return this.restores.restore(params.id, body.agent_id ?? null);
  }

  /** Streams the backup file. */
  @Get(':id/download')
  @ApiProduces('application/gzip', 'application/json')
  @ApiNotFoundResponse({ type: ErrorDto })
  async download(@Param() params: BackupIdParams, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const { stream, backup, size } = await this.backups.download(params.id);
    res.setHeader('X-Integrity-Hash', backup.integrity_hash);
    return new StreamableFile(stream, {
      type: backup.type === 'snapshot' ? 'application/json' : 'application/gzip',
      disposition: `attachment; filename="${backup.file}"`,
      length: size,
    });
  }

  /** Takes an uploaded backup (the multipart field "file"), checks it and lists it. */
  @Post('import')
  @ApiInsufficientStorageResponse()
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiUnprocessableEntityResponse({
    type: ErrorDto,
    description: 'Not a valid Mission Control backup; nothing was kept.',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorDto, description: 'Over MC_IMPORT_MAX_MB.' })
  import(@UploadedFile() file: Express.Multer.File | undefined): Promise<BackupDto> {
    return this.backups.import(file?.path).then(toBackupDto);
  }

  @Delete(':id')
  @ApiInsufficientStorageResponse()
  @ApiNotFoundResponse({ type: ErrorDto })
  delete(@Param() params: BackupIdParams): Promise<BackupDto> {
    return this.backups.delete(params.id).then(toBackupDto);
  }
}
