import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { GatewaysModule } from '../gateways/gateways.module';
import { SessionActionsController } from './session-actions.controller';
import { SessionActionsService } from './session-actions.service';

/** Actions on the fleet through its OpenClaw gateways (stop, send, steer), each audited in the event log. */
@Module({
  imports: [GatewaysModule, EventsModule],
  controllers: [SessionActionsController],
  providers: [SessionActionsService],
  exports: [SessionActionsService],
})
export class ControlModule {}
