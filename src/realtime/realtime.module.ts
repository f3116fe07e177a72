import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ClientController } from './client.controller';
import { RealtimeController } from './realtime.controller';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeListener } from './realtime.listener';
import { RealtimeService } from './realtime.service';

@Module({
  imports: [WorkspaceModule, AgentsModule],
  controllers: [RealtimeController, ClientController],
  providers: [RealtimeGateway, RealtimeListener, RealtimeService],
  exports: [RealtimeGateway, RealtimeService],
})
export class RealtimeModule {}
