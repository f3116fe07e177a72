/**
 * What a named API token may do (MC_API_TOKENS; MC_API_TOKEN is one admin token). `ingest` is the
 * OpenClaw plugin's: its token sits on the OpenClaw host, where agents can read it, so it may post
 * events and nothing else (never approve those agents' own requests).
 */
export const ROLES = ['viewer', 'operator', 'admin', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

/** For what needs each role, the roles that may do it: admin may do everything. */
const ALLOWED: Record<Role, readonly Role[]> = {
  viewer: ['viewer', 'operator', 'admin'],
  operator: ['operator', 'admin'],
  admin: ['admin'],
  ingest: ['ingest', 'admin'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether a token of `role` may do what needs `required`. */
export function roleAllows(role: Role, required: Role): boolean {
  return ALLOWED[required].includes(role);
}

/** The roles that may do what needs `required`, that role first. */
export function rolesAllowedTo(required: Role): readonly Role[] {
  return ALLOWED[required];
}

/** Who made a request: the name and role of the token it carried. The actor of audited actions. */
export interface Principal {
  name: string;
  role: Role;
}
