import { ConflictException } from '@nestjs/common';
import type { Managed } from '../contracts/alerts';

/**
 * `item` as it is, unless the rule file (MC_ALERT_RULES) manages it: then the API's 409, which says where to change
 * it. `what` names the item in the message ("Alert rule"), `idField` carries its id in the body ("rule_id").
 */
export function editableOverApi<T extends { id: string; managed: Managed }>(item: T, what: string, idField: string): T {
  if (item.managed === 'file') {
    throw new ConflictException({
      message: `${what} ${item.id} comes from the rule file (MC_ALERT_RULES) and is read-only over the API: change the file and restart`,
      [idField]: item.id,
    });
  }
  return item;
}
