import { ForbiddenException, NestMiddleware } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { AppConfig } from '../config/environment';

/** MC_HOST values that mean "listen on every interface". */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::']);
const LOOPBACK_V4 = /^127\.\d+\.\d+\.\d+$/;

/**
 * The host part of a Host header or of a configured name, in the form URLs give it: lower case, no
 * port, no brackets around IPv6, no trailing dot, IP addresses canonical (`127.1` is `127.0.0.1`).
 * Undefined for anything that is not a host, user info and paths included.
 */
export function hostOf(value: string | undefined): string | undefined {
  if (!value || !/^[\w.:[\]-]+$/.test(value)) return undefined;
  try {
    const { hostname: name } = new URL(`http://${isIP(value) === 6 ? `[${value}]` : value}`);
    return name.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** Distinct Host headers whose host is remembered; past it the memory starts over, so random Hosts cost nothing. */
const REMEMBERED_HOSTS = 1_000;
const hostsOfHeaders = new Map<string, string | undefined>();

/**
 * hostOf for a Host header, remembered: parsing it as a URL at every request was a noticeable share of a
 * single-event POST.
 */
function hostOfHeader(header: string): string | undefined {
  if (hostsOfHeaders.has(header)) return hostsOfHeaders.get(header);
  if (hostsOfHeaders.size >= REMEMBERED_HOSTS) hostsOfHeaders.clear();
  const host = hostOf(header);
  hostsOfHeaders.set(header, host);
  return host;
}

/**
 * Answers only requests addressed to a name the service listens as: localhost, the loopback
 * addresses, MC_HOST, MC_ALLOWED_HOSTS, and, when MC_HOST is every interface, the machine's own
 * addresses and host name. A page whose DNS name was rebound to 127.0.0.1 still sends its own name
 * in Host, so it is refused here however its requests reach the port. Requests without a Host
 * (HTTP/1.0) are refused too: every real client sends one.
 *
 * Applied ahead of everything else (static files, docs, 404s), so it is mounted in createApp rather
 * than through a module; the gateway asks `allows` for each upgrade.
 */
export class HostCheckMiddleware implements NestMiddleware {
  private readonly names: Set<string>;
  private readonly everyInterface: boolean;

  constructor(config: AppConfig) {
    const host = hostOf(config.get('MC_HOST', { infer: true }));
    const listed = config.get('MC_ALLOWED_HOSTS', { infer: true }).map(hostOf);
    this.names = new Set(['localhost', '::1', host, ...listed].filter((name): name is string => name !== undefined));
    this.everyInterface = host !== undefined && EVERY_INTERFACE.has(host);
  }

  allows(header: string | undefined): boolean {
    const host = header === undefined ? undefined : hostOfHeader(header);
    if (host === undefined) return false;
    if (this.names.has(host) || LOOPBACK_V4.test(host)) return true;
    // Read at the time of the request: interfaces come and go (DHCP, VPNs).
    return this.everyInterface && machineNames().has(host);
  }

  /** What a refused client is told: the host it used and the variable that would admit it. */
  refusal(header: string | undefined): { message: string; host: string | null } {
    const host = header?.slice(0, 200) ?? null;
    const message =
      host === null
        ? 'Requests must carry a Host header'
        : `Host ${host} is not a name this service answers to; if you reach Mission Control by that name, add it to MC_ALLOWED_HOSTS`;
    return { message, host };
  }

  use = (request: Request, _response: Response, next: NextFunction): void => {
    next(this.allows(request.headers.host) ? undefined : new ForbiddenException(this.refusal(request.headers.host)));
  };
}

function machineNames(): Set<string> {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((entry) => entry.address));
  return new Set([hostname(), ...addresses].map(hostOf).filter((name): name is string => name !== undefined));
}
