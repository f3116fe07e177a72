import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { diskStorage } from 'multer';
import { AppConfig } from '../config/environment';
import { DatabaseModule } from '../database/database.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { Backup } from './backup.entity';
import { BackupsController } from './backups.controller';
import { BackupsScheduler } from './backups.scheduler';
import { BackupsService } from './backups.service';
import { RestoreService } from './restore.service';

@Module({
  imports: [
    DatabaseModule,
    WorkspaceModule,
    TypeOrmModule.forFeature([Backup]),
    // Uploads stream to a hidden file in the backup folder (the same disk, so accepting one is a rename).
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        storage: diskStorage({
          destination: config.get('MC_BACKUP_DIR', { infer: true }),
          filename: (_req, _file, done) => done(null, `.upload-${randomBytes(8).toString('hex')}`),
        }),
        limits: { fileSize: config.get('MC_IMPORT_MAX_MB', { infer: true }) * 1024 * 1024, files: 1, fields: 10 },
      }),
    }),
  ],
  controllers: [BackupsController],
  providers: [BackupsService, RestoreService, BackupsScheduler],
  exports: [BackupsService, RestoreService],
})
export class BackupsModule {}
