import { s, setText } from '../dom.js';

/** The API places agents in percent of the map; the map is drawn 16:10, so x is stretched to match. */
const X_SCALE = 1.6;

/** The office floor plan (the API's zone layout, in percent) with one labelled marker per agent. */
export class OfficeMap {
  constructor(svg, cards) {
    this.svg = svg;
    this.cards = cards;
    this.zones = s('g', { class: 'zones' });
    this.markers = new Map();
    this.layer = s('g', { class: 'markers' });
    svg.append(this.zones, this.layer);
  }

  setZones(zones) {
    this.zones.replaceChildren(
      ...Object.entries(zones ?? {}).map(([name, z]) =>
        s(
          'g',
          { class: 'zone', dataset: { zone: name } },
          s('rect', { x: z.x * X_SCALE, y: z.y, width: z.width * X_SCALE, height: z.height, rx: 1.5 }),
          s('text', { x: z.x * X_SCALE + 1.2, y: z.y + 3.5 }, z.label),
        ),
      ),
    );
  }

  /** Moves markers (smoothly, by CSS transition), adds new ones, removes the ones no longer placed. */
  setPositions(positions) {
    const ids = new Set(Object.keys(positions ?? {}));
    for (const [id, marker] of this.markers) if (!ids.has(id)) (marker.remove(), this.markers.delete(id));
    for (const [id, { x, y }] of Object.entries(positions ?? {})) {
      let marker = this.markers.get(id);
      if (!marker) {
        marker = s(
          'g',
          { class: 'marker', dataset: { agent: id } },
          s('circle', { r: 1.8 }),
          s('text', { y: -2.6 }),
          s('title'),
        );
        this.markers.set(id, marker);
        this.layer.append(marker);
      }
      marker.style.transform = `translate(${x * X_SCALE}px, ${y}px)`;
      this.refresh(id);
    }
  }

  /** Label and colour follow the agent's card. */
  refresh(id) {
    const marker = this.markers.get(id);
    if (!marker) return;
    marker.dataset.status = this.cards.statusOf(id);
    setText(marker.querySelector('text'), this.cards.nameOf(id));
    setText(marker.querySelector('title'), `${this.cards.nameOf(id)}: ${this.cards.statusOf(id)}`);
  }
}
