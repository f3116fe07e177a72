import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxModule } from '../cluster/outbox.module';
import { DatabaseModule } from '../database/database.module';
import { EventBatcher } from './event-batcher';
import { EventRecord } from './event.entity';
import { EventsController } from './events.controller';
import { EventsListener } from './events.listener';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { EventWindowService } from './event-window.service';
import { IngestGate } from './ingest-gate';

@Module({
  imports: [DatabaseModule, OutboxModule, TypeOrmModule.forFeature([EventRecord])],
  controllers: [EventsController],
  providers: [EventsRepository, EventsService, EventBatcher, EventsListener, IngestGate, EventWindowService],
  exports: [EventsService, EventBatcher, EventWindowService],
})
export class EventsModule {}
