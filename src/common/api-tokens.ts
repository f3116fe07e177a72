import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { allApiTokens } from '../config/api-tokens';
import { AppConfig } from '../config/environment';
import { Principal } from '../contracts/roles';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The tokens the API and the WebSocket gateway take: MC_API_TOKENS's named ones and MC_API_TOKEN (admin).
 * Only their digests are kept, so no copy of a token lies about in a heap dump of this object.
 */
@Injectable()
export class ApiTokens {
  private readonly entries: { principal: Principal; digest: Buffer }[];

  constructor(config: AppConfig) {
    const tokens = allApiTokens(
      config.get('MC_API_TOKENS', { infer: true }),
      config.get('MC_API_TOKEN', { infer: true }),
    );
    this.entries = tokens.map(({ name, role, token }) => ({ principal: { name, role }, digest: digest(token) }));
  }

  /** With none, reads and writes are open as they always were, and control actions are off. */
  get configured(): boolean {
    return this.entries.length > 0;
  }

  /**
   * Whose token this is. Compared in constant time with every token, whichever matches, so the
   * answer's timing tells nothing about the tokens.
   */
  match(given: string | undefined): Principal | undefined {
    if (given === undefined) return undefined;
    const mine = digest(given);
    let found: Principal | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, mine)) found = entry.principal;
    return found;
  }
}
