import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WorkspaceModule } from '../workspace/workspace.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [TerminusModule, WorkspaceModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
