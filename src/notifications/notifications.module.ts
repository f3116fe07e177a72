import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../database/database.module';
import { MetricsModule } from '../metrics/metrics.module';
import { NotificationsAlertingListener } from './alerting.listener';
import { Delivery } from './delivery.entity';
import { DeliveryWorker } from './delivery.worker';
import { NotificationsService } from './notifications.service';
import { WebhookChannel } from './webhook-channel.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Webhook channels and the durable delivery of notifications to them. NotificationsService is its door. */
@Module({
  imports: [DatabaseModule, MetricsModule, TypeOrmModule.forFeature([WebhookChannel, Delivery])],
  controllers: [WebhooksController],
  providers: [WebhooksService, NotificationsService, DeliveryWorker, NotificationsAlertingListener],
  exports: [NotificationsService, WebhooksService],
})
export class NotificationsModule {}
