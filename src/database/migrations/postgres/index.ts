import { PostgresSchema1764500000000 } from './1764500000000-PostgresSchema';
import { ScheduledRuns1764600000000 } from './1764600000000-ScheduledRuns';

export const POSTGRES_MIGRATIONS = [PostgresSchema1764500000000, ScheduledRuns1764600000000];
