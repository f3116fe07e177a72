import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module';
import { OutboxRepository } from './outbox.repository';

/** The events outbox alone, for the events module (which writes it) without the rest of the cluster. */
@Module({
  imports: [DatabaseModule],
  providers: [OutboxRepository],
  exports: [OutboxRepository],
})
export class OutboxModule {}
