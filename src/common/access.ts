import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request } from 'express';
import { Principal, Role, roleAllows, rolesAllowedTo } from '../contracts/roles';
import { ApiTokens } from './api-tokens';

declare module 'http' {
  interface IncomingMessage {
    /** The name and role of the token the request (or WebSocket upgrade) carried; set by ApiTokenMiddleware. */
    principal?: Principal;
  }
}

export const CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REQUIRED_ROLE = 'mission-control:required-role';
const CONTROL_ACTION = 'mission-control:control-action';

/** What a route needs when it says nothing: writes change data, which is the admin's. */
const DEFAULT_WRITE_ROLE: Role = 'admin';

export const CONTROL_OFF =
  'Control actions are off: no API token is configured. Set MC_API_TOKENS (named tokens with roles) or MC_API_TOKEN, and send Authorization: Bearer <token>';

/** The least role a route needs when tokens are configured. Without it: nothing for reads, admin for writes. */
export const Requires = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/**
 * A route that acts on the fleet (stops, steers, approves): it needs `role` (operator unless said), and
 * with no token configured it is off (403 saying how to enable it), since a control plane open to anyone
 * on the network is not acceptable.
 */
export const ControlAction = (role: Role = 'operator') =>
  applyDecorators(SetMetadata(REQUIRED_ROLE, role), SetMetadata(CONTROL_ACTION, true));

/** The token's `{name, role}` in a handler (null with no token configured): the actor of what it does. */
export const Actor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | null =>
    context.switchToHttp().getRequest<Request>().principal ?? null,
);

/** The 403 for a token whose role is not enough, naming the role needed and the token's. */
export function roleRefusal(principal: Principal, required: Role): ForbiddenException {
  const others = rolesAllowedTo(required).filter((role) => role !== required);
  return new ForbiddenException({
    message: `This needs the ${required} role${others.length ? ` (or ${others.join(' or ')})` : ''}; the token "${principal.name}" has the role ${principal.role}`,
    required_role: required,
    role: principal.role,
  });
}

/**
 * Checks each route's role after routing. Whether a token is valid, and transcripts, are checked
 * before, by ApiTokenMiddleware (ahead of the body parsers), which sets `request.principal`.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const targets = [context.getHandler(), context.getClass()];
    const required =
      this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ??
      (CHANGING_METHODS.has(request.method) ? DEFAULT_WRITE_ROLE : undefined);
    if (!required) return true;
    if (!this.tokens.configured) {
      if (this.reflector.getAllAndOverride<boolean>(CONTROL_ACTION, targets))
        throw new ForbiddenException({ message: CONTROL_OFF, required_role: required });
      return true;
    }
    const principal = request.principal;
    if (!principal)
      throw new UnauthorizedException(
        request.headers.authorization
          ? 'Invalid API token'
          : `This needs a token with the ${required} role: send Authorization: Bearer <token>`,
      );
    if (!roleAllows(principal.role, required)) throw roleRefusal(principal, required);
    return true;
  }
}
