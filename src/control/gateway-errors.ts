import { ForbiddenException, HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { GatewayMethodMissingError, GatewayNotConnectedError } from '../gateways/gateways.service';

/** What the gateway client rejects with on `ok: false` (GatewayClientRequestError), read by shape. */
interface GatewayRefusal {
  message: string;
  gatewayCode?: string;
  code?: string;
  details?: { code?: string; missingScope?: string } | null;
}

/**
 * A gateway's refusal as the API answers it: 403 naming a missing scope, 404 an unknown session, 503 a
 * gateway that is not connected (naming its state), 502 with the gateway's code and message otherwise.
 */
export function gatewayHttpError(error: unknown, gateway: string, sessionKey: string): HttpException {
  if (error instanceof HttpException) return error;
  if (error instanceof GatewayNotConnectedError)
    return new HttpException(
      { message: `${error.message}: the action was not sent`, gateway, gateway_state: error.state },
      HttpStatus.SERVICE_UNAVAILABLE,
    );
  if (error instanceof GatewayMethodMissingError)
    return new HttpException(
      { message: `${error.message}: its OpenClaw is too old or too new for this action`, gateway },
      HttpStatus.BAD_GATEWAY,
    );
  const refusal = error as GatewayRefusal;
  const code = refusal.gatewayCode ?? refusal.code ?? null;
  const message = String(refusal.message ?? error);
  const scope = refusal.details?.missingScope ?? /^missing scope: (\S+)/.exec(message)?.[1];
  if (scope)
    return new ForbiddenException({
      message: `The gateway "${gateway}" refused: Mission Control's connection lacks the scope ${scope}`,
      gateway,
      missing_scope: scope,
    });
  // sessions.abort of a run Mission Control did not start, without operator.admin (OpenClaw 2026.9).
  if (code === 'INVALID_REQUEST' && message === 'unauthorized')
    return new ForbiddenException({
      message: `The gateway "${gateway}" refused: stopping a run Mission Control did not start needs the scope operator.admin`,
      gateway,
      missing_scope: 'operator.admin',
    });
  if (code === 'INVALID_REQUEST' && /^(session not found|no session found)/i.test(message))
    return sessionNotFound(gateway, sessionKey);
  return new HttpException(
    { message: `The gateway "${gateway}" answered ${code ?? 'an error'}: ${message}`, gateway, gateway_code: code },
    HttpStatus.BAD_GATEWAY,
  );
}

export function sessionNotFound(gateway: string, sessionKey: string): NotFoundException {
  return new NotFoundException({ message: `The gateway "${gateway}" has no session ${sessionKey}`, gateway });
}
