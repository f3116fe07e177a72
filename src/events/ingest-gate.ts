import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { finished } from 'node:stream';
import { AppConfig } from '../config/environment';

/** What a refused client is told to wait, in seconds. */
export const INGEST_RETRY_AFTER_S = 1;

/**
 * Back-pressure for event ingestion. A request's body, once parsed, is held in several forms until its
 * events are committed and broadcast, so the bytes of event requests in progress (from reading the body
 * to the answer) are bounded by MC_INGEST_MAX_MB, counted from Content-Length. A request that would
 * pass the bound is answered 429 with Retry-After (a 4xx: the client is to slow down; the
 * service is well), its body dropped unparsed and nothing stored; a request alone is always
 * let in, whatever its size. Mounted ahead of the body parser in createApp, since the
 * parser is where the memory goes. Mission Control's own events do not come through here.
 */
@Injectable()
export class IngestGate {
  private readonly maxBytes: number;
  private inProgress = 0;

  constructor(config: AppConfig) {
    this.maxBytes = config.get('MC_INGEST_MAX_MB', { infer: true }) * 1024 * 1024;
  }

  use = (request: Request, response: Response, next: NextFunction): void => {
    if (request.method !== 'POST') return next();
    const declared = Number(request.headers['content-length']);
    // A body of unknown length may be as large as the parser allows: it goes through only alone.
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? declared : this.maxBytes;
    if (this.inProgress > 0 && this.inProgress + bytes > this.maxBytes) {
      response.setHeader('Retry-After', String(INGEST_RETRY_AFTER_S));
      const refusal = new HttpException(
        {
          message: `Too many events are being written at once (MC_INGEST_MAX_MB); nothing was stored, retry after ${INGEST_RETRY_AFTER_S} s`,
          retry_after_seconds: INGEST_RETRY_AFTER_S,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
      // The body is read and dropped as it comes before the answer: a client still sending it would
      // otherwise see its connection cut rather than the 429.
      request.resume();
      return void finished(request, () => next(refusal));
    }
    this.inProgress += bytes;
    response.once('close', () => (this.inProgress -= bytes));
    next();
  };
}
