import { DynamicModule, Module } from '@nestjs/common';
import { foundationModules } from '../app.module';
import { BackupsModule } from '../backups/backups.module';
import { EventsModule } from '../events/events.module';

/** What the command line needs: the same services as the API, without the HTTP and WebSocket servers. */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    return { module: CliModule, imports: [...foundationModules(), EventsModule, BackupsModule] };
  }
}
