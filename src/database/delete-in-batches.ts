import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { DatabaseWriter } from './database-writer';

/** Rows deleted per transaction, so requests never wait long behind a prune. */
const DELETE_BATCH = 5_000;

/**
 * Deletes the rows of `table` dated (its `timestamp` column) before `before`, oldest first, in
 * transactions of DELETE_BATCH rows with the event loop let through between them. Returns how many.
 */
export async function deleteInBatches(writer: DatabaseWriter, table: string, before: number): Promise<number> {
  const cutoff = new Date(before).toISOString();
  let deleted = 0;
  for (;;) {
    const count = await writer.transaction(async (m) => {
      const deletion = await m
        .createQueryBuilder()
        .delete()
        .from(table)
        .where(
          `"id" IN (SELECT "id" FROM "${table}" WHERE "timestamp" < :cutoff ORDER BY "timestamp" LIMIT ${DELETE_BATCH})`,
          { cutoff },
        )
        .execute();
      return deletion.affected ?? 0;
    });
    deleted += count;
    if (count < DELETE_BATCH) return deleted;
    await yieldToRequests();
  }
}
