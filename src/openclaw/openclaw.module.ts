import { Module } from '@nestjs/common';
import { OpenClawService } from './openclaw.service';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** OpenClaw's own records, read-only: its roster, sessions, usage and cost. OpenClawService is its door. */
@Module({
  controllers: [SessionsController],
  providers: [OpenClawService, SessionsService],
  exports: [OpenClawService],
})
export class OpenClawModule {}
