import { layoutZone, placeAgents, ZONE_LAYOUT } from './office-layout';

describe('placeAgents', () => {
  it('spreads agents of one zone over a grid inside it, without overlap', () => {
    const ids = ['e', 'd', 'c', 'b', 'a'];
    const placed = placeAgents({
      raw: {},
      positions: Object.fromEntries(ids.map((id) => [id, { zone: 'Conference', x: null, y: null }])),
    });
    const area = ZONE_LAYOUT.conference;
    const points = ids.map((id) => placed[id]);
    for (const p of points) {
      expect(p.x).toBeGreaterThan(area.x);
      expect(p.x).toBeLessThan(area.x + area.width);
      expect(p.y).toBeGreaterThan(area.y);
      expect(p.y).toBeLessThan(area.y + area.height);
      expect(p.zone).toBe('Conference');
    }
    expect(new Set(points.map((p) => `${p.x},${p.y}`)).size).toBe(5);
    expect(placed.a.x).toBeLessThan(placed.b.x);
  });

  it('keeps coordinates that are given, clamped to the map', () => {
    expect(placeAgents({ raw: {}, positions: { a: { zone: 'desk', x: 12.345, y: 140 } } })).toEqual({
      a: { x: 12.35, y: 100, zone: 'desk' },
    });
  });

  it('puts unknown zones in the elsewhere area and knows common aliases', () => {
    expect(layoutZone('Break Room')).toBe('lounge');
    expect(layoutZone('server-room')).toBe('server_room');
    expect(layoutZone('the moon')).toBe('elsewhere');
    const placed = placeAgents({ raw: {}, positions: { a: { zone: 'the moon', x: null, y: null } } });
    expect(placed.a.x).toBeGreaterThan(ZONE_LAYOUT.elsewhere.x);
  });

  it('reads an absent office as no positions', () => {
    expect(placeAgents(null)).toEqual({});
  });
});
