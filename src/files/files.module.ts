import { Module } from '@nestjs/common';
import { WorkspaceModule } from '../workspace/workspace.module';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';

@Module({
  imports: [WorkspaceModule],
  controllers: [FilesController],
  providers: [FilesService],
})
export class FilesModule {}
