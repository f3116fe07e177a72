import { PostgresSchema1764500000000 } from './1764500000000-PostgresSchema';

export const POSTGRES_MIGRATIONS = [PostgresSchema1764500000000];
