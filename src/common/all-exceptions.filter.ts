import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { DiskSpaceService } from './disk-space.service';
import { outOfSpace } from './out-of-space';

/** The one error shape of the API: `{error, status_code, path, timestamp, …details}`. */
export interface ErrorBody {
  error: string;
  status_code: number;
  path: string;
  timestamp: string;
  [detail: string]: unknown;
}

/** Errors raised by Express's body parser carry their own status (400 bad JSON, 413 too large). */
interface ClientError extends Error {
  status?: number;
  expose?: boolean;
  type?: string;
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Request body is too large',
  'encoding.unsupported': 'Request body encoding is not supported',
  'charset.unsupported': 'Request body charset is not supported',
};

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly disk: DiskSpaceService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // A write that found the disk full where no service said which folder it writes to (an upload, say):
    // still a 507, naming the folder with the least room, never a 500.
    if (!(exception instanceof HttpException) && outOfSpace(exception)) {
      void this.disk.translate(exception).then((answer) => this.reply(answer, host));
      return;
    }
    this.reply(exception, host);
  }

  private reply(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<Request>();
    const response = ctx.getResponse<Response>();
    const { status, error, details } = this.describe(exception);
    // A full disk is logged once, by DiskSpaceService, not at every refused write.
    if (status >= 500 && status !== HttpStatus.INSUFFICIENT_STORAGE)
      this.logger.error(`${request.method} ${request.url}: ${(exception as Error)?.stack ?? String(exception)}`);
    // originalUrl: in a middleware (origin, content type, token checks) Express has cut the mount path off `url`.
    const body: ErrorBody = {
      error,
      status_code: status,
      ...details,
      path: request.originalUrl,
      timestamp: new Date().toISOString(),
    };
    if (status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; error: string; details: Record<string, unknown> } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'string') return { status, error: payload, details: {} };
      const { message, error, statusCode: _statusCode, ...details } = payload as Record<string, unknown>;
      const text = Array.isArray(message) ? message.join('; ') : (message ?? error ?? exception.message);
      return { status, error: String(text), details };
    }
    const clientError = exception as ClientError;
    if (clientError?.expose && typeof clientError.status === 'number' && clientError.status < 500) {
      return {
        status: clientError.status,
        error: BODY_PARSER_MESSAGES[clientError.type ?? ''] ?? clientError.message,
        details: {},
      };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, error: 'Internal server error', details: {} };
  }
}
