import {
  ForbiddenException,
  NestMiddleware,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/environment';
import { roleAllows } from '../contracts/roles';
import { CHANGING_METHODS, roleRefusal } from './access';
import { ApiTokens } from './api-tokens';

/**
 * Reads that are private all the same (the viewer role's): what
 * agents and their users said. Express routes ignore case.
 */
const PRIVATE_READS = [/^\/api\/sessions\/[^?#]+\/transcript\/?$/i];
/** The one write that takes a file upload. */
const MULTIPART_WRITES = [/^\/api\/backups\/import\/?$/i];

/** Pulls the token out of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/**
 * Guards every request that changes anything (a middleware rather than a guard, so it also covers
 * routes that do not exist), and transcripts:
 * - a write from a browser page of another origin is refused (403) unless MC_CORS_ORIGINS lists that
 *   origin, or lists `*` and the request carries the token: a cross-site form or fetch changes nothing;
 * - a write carries JSON (a file upload for the import), or no body at all (415 otherwise): the content
 *   types a page may send cross-site without asking first are not accepted;
 * - when tokens are configured (MC_API_TOKENS, MC_API_TOKEN), writes and transcripts need one (401), and
 *   transcripts a role that reads (403); the token's `{name, role}` goes on the request as `principal`,
 *   for AccessGuard, which checks each route's role once routed, and for the audit.
 */
export class ApiTokenMiddleware implements NestMiddleware {
  private readonly origins: string[];

  constructor(
    config: AppConfig,
    private readonly tokens = new ApiTokens(config),
  ) {
    this.origins = config.get('MC_CORS_ORIGINS', { infer: true });
  }

  /**
   * Mounted in createApp ahead of the body parsers and the ingest gate: a refused request's body is
   * never parsed and takes no room among the event requests in progress.
   */
  use = (request: Request, _response: Response, next: NextFunction): void => {
    try {
      this.check(request);
    } catch (refusal) {
      return next(refusal);
    }
    next();
  };

  private check(request: Request): void {
    const path = request.originalUrl.split('?')[0];
    const principal = this.tokens.match(bearerToken(request.headers.authorization));
    if (principal) request.principal = principal;
    const authorized = !this.tokens.configured || principal !== undefined;
    if (CHANGING_METHODS.has(request.method)) {
      this.checkOrigin(request, this.tokens.configured && authorized);
      this.checkContentType(request, path);
      if (!authorized) {
        throw new UnauthorizedException(
          request.headers.authorization
            ? 'Invalid API token'
            : 'This request changes data and needs Authorization: Bearer <token> (of MC_API_TOKENS, or MC_API_TOKEN)',
        );
      }
    } else if (PRIVATE_READS.some((pattern) => pattern.test(path))) {
      if (!authorized)
        throw new UnauthorizedException(
          request.headers.authorization
            ? 'Invalid API token'
            : 'Transcripts are private: send Authorization: Bearer <token> (of MC_API_TOKENS, or MC_API_TOKEN)',
        );
      if (principal && !roleAllows(principal.role, 'viewer')) throw roleRefusal(principal, 'viewer');
    }
  }

  /** `withToken`: the request carries a valid token (never true with none configured). */
  private checkOrigin(request: Request, withToken: boolean): void {
    const origin = request.headers.origin;
    if (origin === undefined || this.origins.includes(origin)) return;
    const sameOrigin = (() => {
      try {
        return new URL(origin).host === request.headers.host;
      } catch {
        return false;
      }
    })();
    if (sameOrigin || (this.origins.includes('*') && withToken)) return;
    throw new ForbiddenException({
      message: `Writes from the origin ${origin.slice(0, 200)} are not allowed (MC_CORS_ORIGINS)`,
      origin: origin.slice(0, 200),
    });
  }

  private checkContentType(request: Request, path: string): void {
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    const hasBody =
      request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (type === undefined && !hasBody) return;
    if (
      type === 'application/json' ||
      (type === 'multipart/form-data' && MULTIPART_WRITES.some((pattern) => pattern.test(path)))
    )
      return;
    throw new UnsupportedMediaTypeException({
      message: `Writes take application/json${MULTIPART_WRITES.some((p) => p.test(path)) ? ' or multipart/form-data' : ''}, not ${type ?? 'a body with no Content-Type'}`,
    });
  }
}
