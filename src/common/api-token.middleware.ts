import { Injectable, NestMiddleware, UnauthorizedException } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/environment';

const CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Reads that are private all the same: what agents and their users said. Express routes ignore case. */
const PRIVATE_READS = [/^\/api\/sessions\/[^?#]+\/transcript\/?$/i];

/** Compares in constant time, so response timing tells nothing about the token. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/** Pulls the token out of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/**
 * When MC_API_TOKEN is set, every request that changes anything needs it, and so do transcripts;
 * other reads stay open.
 * A middleware rather than a guard, so it also covers routes that do not exist.
 */
@Injectable()
export class ApiTokenMiddleware implements NestMiddleware {
  private readonly token: string | undefined;

  constructor(config: AppConfig) {
    this.token = config.get('MC_API_TOKEN', { infer: true });
  }

  use(request: Request, _response: Response, next: NextFunction): void {
    if (!this.token || tokenMatches(this.token, bearerToken(request.headers.authorization))) return next();
    const path = request.originalUrl.split('?')[0];
    if (CHANGING_METHODS.has(request.method)) {
      throw new UnauthorizedException(
        request.headers.authorization ? 'Invalid API token' : 'This request changes data and needs Authorization: Bearer <MC_API_TOKEN>',
      );
    }
    if (PRIVATE_READS.some((pattern) => pattern.test(path))) {
      throw new UnauthorizedException(request.headers.authorization ? 'Invalid API token' : 'Transcripts are private: send Authorization: Bearer <MC_API_TOKEN>');
    }
    next();
  }
}
