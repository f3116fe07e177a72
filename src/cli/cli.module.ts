import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Backup } from '../backups/backup.entity';
import { BackupsService } from '../backups/backups.service';
import { RestoreService } from '../backups/restore.service';
import { EventsModule } from '../events/events.module';
import { foundationModules } from '../foundation';
import { WorkspaceService } from '../workspace/workspace.service';

/**
 * What the command line needs: the services of the API's backups, without the HTTP and WebSocket
 * servers. It composes them itself rather than import BackupsModule, whose controller loads Express
 * and Multer and which brings the backup schedule and the workspace watcher (chokidar, and a read of
 * every agent's files at each start): no command uses those (a snapshot reads the workspace when it
 * is made, see cli.ts), and leaving them out shortens every start.
 */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    return {
      module: CliModule,
      imports: [...foundationModules(), EventsModule, TypeOrmModule.forFeature([Backup])],
      providers: [WorkspaceService, BackupsService, RestoreService],
    };
  }
}
