import { InitialSchema1763800000000 } from './1763800000000-InitialSchema';
import { HourlyRollups1763900000000 } from './1763900000000-HourlyRollups';
import { Backups1764000000000 } from './1764000000000-Backups';
import { OpenClawUsage1764100000000 } from './1764100000000-OpenClawUsage';
import { CollectionHighWater1764200000000 } from './1764200000000-CollectionHighWater';
import { Alerts1764400000000 } from './1764400000000-Alerts';

export const SQLITE_MIGRATIONS = [
  InitialSchema1763800000000,
  HourlyRollups1763900000000,
  Backups1764000000000,
  OpenClawUsage1764100000000,
  CollectionHighWater1764200000000,
  Alerts1764400000000,
];
