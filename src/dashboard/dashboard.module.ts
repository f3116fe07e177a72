import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { DashboardController } from './dashboard.controller';

/** The live dashboard: its page and scripts are served from public/ (see app.factory.ts); this answers its settings. */
@Module({
  imports: [RealtimeModule],
  controllers: [DashboardController],
})
export class DashboardModule {}
