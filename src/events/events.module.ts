import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxModule } from '../cluster/outbox.module';
import { DatabaseModule } from '../database/database.module';
import { EventsAlertingListener } from './alerting.listener';
import { EventsBackupsListener } from './backups.listener';
import { EventBatcher } from './event-batcher';
import { EventRecord } from './event.entity';
import { EventsController } from './events.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';
import { EventWindowService } from './event-window.service';
import { EventsFleetListener } from './fleet.listener';
import { IngestGate } from './ingest-gate';

@Module({
  imports: [DatabaseModule, OutboxModule, TypeOrmModule.forFeature([EventRecord])],
  controllers: [EventsController],
  providers: [
    EventsRepository,
    EventsService,
    EventBatcher,
    IngestGate,
    EventWindowService,
    EventsFleetListener,
    EventsBackupsListener,
    EventsAlertingListener,
  ],
  exports: [EventsService, EventWindowService],
})
export class EventsModule {}
