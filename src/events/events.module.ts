import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { EventBatcher } from './event-batcher';
import { EventRecord } from './event.entity';
import { EventsController } from './events.controller';
import { EventsListener } from './events.listener';
import { EventsService } from './events.service';
import { EventWindowService } from './event-window.service';
import { IngestGate } from './ingest-gate';

@Module({
  imports: [DatabaseModule, TypeOrmModule.forFeature([EventRecord])],
  controllers: [EventsController],
  providers: [EventsService, EventBatcher, EventsListener, IngestGate, EventWindowService],
  exports: [EventsService, EventBatcher, EventWindowService],
})
export class EventsModule {}
