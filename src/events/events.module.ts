import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { EventBatcher } from './event-batcher';
import { EventsController } from './events.controller';
import { EventsListener } from './events.listener';
import { EventsService } from './events.service';
import { EventWindowService } from './event-window.service';
import { IngestGate } from './ingest-gate';

@Module({
  imports: [DatabaseModule],
  controllers: [EventsController],
  providers: [EventsService, EventBatcher, EventsListener, IngestGate, EventWindowService],
  exports: [EventsService, EventBatcher, EventWindowService],
})
export class EventsModule {}
