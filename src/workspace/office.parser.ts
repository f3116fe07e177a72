import { isPlainObject } from '../common/json';
import { OfficePosition, OfficeState } from '../contracts/fleet';

/**
 * Reads current_office_state.json: `positions` maps an agent id to a zone name or to
 * `{x, y, zone}`; every other field is kept as written.
 */
export function parseOffice(raw: unknown): OfficeState {
  if (!isPlainObject(raw)) throw new Error('office state must be a JSON object');
  const positions: Record<string, OfficePosition> = {};
  const source = isPlainObject(raw.positions) ? raw.positions : {};
  for (const [agentId, value] of Object.entries(source)) {
    const position = parsePosition(value);
    if (position) positions[agentId] = position;
  }
  return { positions, raw };
}

function parsePosition(value: unknown): OfficePosition | null {
  if (typeof value === 'string' && value.trim()) return { zone: value.trim(), x: null, y: null };
  if (!isPlainObject(value)) return null;
  const zone = typeof value.zone === 'string' && value.zone.trim() ? value.zone.trim() : null;
  const x = toNumber(value.x);
  const y = toNumber(value.y);
  return zone !== null || (x !== null && y !== null) ? { zone, x, y } : null;
}

function toNumber(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
