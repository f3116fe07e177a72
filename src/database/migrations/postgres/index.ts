import { PostgresSchema1764500000000 } from './1764500000000-PostgresSchema';
import { ScheduledRuns1764600000000 } from './1764600000000-ScheduledRuns';
import { EventsOutbox1764700000000 } from './1764700000000-EventsOutbox';

export const POSTGRES_MIGRATIONS = [PostgresSchema1764500000000, ScheduledRuns1764600000000, EventsOutbox1764700000000];
