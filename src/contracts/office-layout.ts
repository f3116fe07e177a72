import { OfficeState } from './fleet';

export interface ZoneArea {
  label: string;
  /** Percent of the map's width and height, from its top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedPosition {
  x: number;
  y: number;
  zone: string | null;
}

/**
 * The office floor plan the API and the dashboard share, in percent of the map. Zone names are
 * matched without regard to case, spaces or dashes; names not listed here share the `elsewhere` area.
 */
export const ZONE_LAYOUT: Record<string, ZoneArea> = {
  conference: { label: 'Conference room', x: 2, y: 4, width: 30, height: 42 },
  desk: { label: 'Desks', x: 35, y: 4, width: 36, height: 42 },
  lounge: { label: 'Lounge', x: 74, y: 4, width: 24, height: 42 },
  kitchen: { label: 'Kitchen', x: 2, y: 54, width: 22, height: 42 },
  server_room: { label: 'Server room', x: 27, y: 54, width: 26, height: 42 },
  focus_pods: { label: 'Focus pods', x: 56, y: 54, width: 22, height: 42 },
  elsewhere: { label: 'Elsewhere', x: 81, y: 54, width: 17, height: 42 },
};

const ZONE_ALIASES: Record<string, string> = {
  conference_room: 'conference',
  meeting: 'conference',
  meeting_room: 'conference',
  briefing: 'conference',
  desks: 'desk',
  office: 'desk',
  workstation: 'desk',
  workstations: 'desk',
  break_room: 'lounge',
  breakroom: 'lounge',
  cafeteria: 'kitchen',
  servers: 'server_room',
  server: 'server_room',
  datacenter: 'server_room',
  focus: 'focus_pods',
  focus_pod: 'focus_pods',
  pods: 'focus_pods',
};

export function layoutZone(zone: string): string {
  const key = zone
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  const name = ZONE_ALIASES[key] ?? key;
  return name in ZONE_LAYOUT ? name : 'elsewhere';
}

/**
 * Every agent's position as `{x, y, zone}` in percent of the map. Positions given as coordinates are
 * kept (clamped to the map); agents given only a zone are spread on a grid inside it, in id order,
 * so they never sit on top of each other.
 */
export function placeAgents(office: OfficeState | null): Record<string, PlacedPosition> {
  const placed: Record<string, PlacedPosition> = {};
  const byZone = new Map<string, string[]>();
  for (const [id, position] of Object.entries(office?.positions ?? {})) {
    if (position.x !== null && position.y !== null) {
      placed[id] = { x: clamp(position.x), y: clamp(position.y), zone: position.zone };
    } else if (position.zone !== null) {
      const zone = layoutZone(position.zone);
      byZone.set(zone, [...(byZone.get(zone) ?? []), id]);
    }
  }
  for (const [zone, ids] of byZone) {
    const area = ZONE_LAYOUT[zone];
    const columns = Math.ceil(Math.sqrt(ids.length));
    const rows = Math.ceil(ids.length / columns);
    ids.sort().forEach((id, i) => {
      const x = area.x + ((i % columns) + 0.5) * (area.width / columns);
      const y = area.y + (Math.floor(i / columns) + 0.5) * (area.height / rows);
      placed[id] = { x: round(x), y: round(y), zone: office?.positions[id].zone ?? zone };
    });
  }
  return placed;
}

function clamp(value: number): number {
  return round(Math.min(100, Math.max(0, value)));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
