import type { AlertView, RuleView } from '../contracts/alerts';
import { renderBody } from './formats';
import { Notification } from '../contracts/notifications';

const SENT = '2026-03-11T10:05:00.000Z';
const alert: AlertView = {
  id: 42,
  rule_id: 'r1',
  rule_name: 'Forge <offline> & more',
  subject: 'agent:forge',
  severity: 'critical',
  state: 'firing',
  started_at: '2026-03-11T10:00:00.000Z',
  resolved_at: null,
  value: 12.5,
  message: 'forge has been offline for 12 minutes <@everyone>',
  acked_at: null,
  acked_by: null,
  ack_note: null,
  last_notified_at: '2026-03-11T10:00:00.000Z',
};
const rule: RuleView = {
  id: 'r1',
  name: 'Forge <offline> & more',
  kind: 'agent_offline',
  params: { agent_id: 'forge', minutes: 10 },
  enabled: true,
  severity: 'critical',
  cooldown_minutes: 15,
  notify_resolved: true,
  channels: ['c1'],
  managed: 'api',
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-01T00:00:00.000Z',
};
const fired: Notification = { event: 'fired', alert, rule };
const resolved: Notification = {
  event: 'resolved',
  alert: { ...alert, state: 'resolved', resolved_at: '2026-03-11T10:30:00.000Z' },
  rule,
};
const acked: Notification = {
  event: 'acked',
  alert: { ...alert, acked_at: '2026-03-11T10:10:00.000Z', acked_by: 'dana', ack_note: 'on it' },
  rule,
};
const render = (format: 'generic' | 'slack' | 'discord', n: Notification) => JSON.parse(renderBody(format, n, SENT));

describe('renderBody', () => {
  it('generic: the alert and rule as the API shows them, the event and when it was sent', () => {
    expect(render('generic', fired)).toEqual({ alert, rule, event: 'fired', sent_at: SENT });
    expect(render('generic', { event: 'test', alert, rule: null })).toEqual({
      alert,
      rule: null,
      event: 'test',
      sent_at: SENT,
    });
  });

  it('slack: text as notifications show it, the title and message in mrkdwn with &, < and > escaped, the facts and a context line', () => {
    expect(render('slack', fired)).toEqual({
      text: '[CRITICAL] Alert fired: Forge <offline> & more: forge has been offline for 12 minutes <@everyone>',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Alert fired: Forge &lt;offline&gt; &amp; more*\nforge has been offline for 12 minutes &lt;@everyone&gt;',
          },
        },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Severity*\ncritical' },
            { type: 'mrkdwn', text: '*Subject*\nagent:forge' },
            { type: 'mrkdwn', text: '*Started*\n2026-03-11T10:00:00.000Z' },
            { type: 'mrkdwn', text: '*Value*\n12.5' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Mission Control · fired · alert 42' }] },
      ],
    });
  });

  it('slack: a resolution and an acknowledgement add their facts; a yes/no alert has no value', () => {
    const fields = (n: Notification) =>
      render('slack', n).blocks[1].fields.map((f: { text: string }) => f.text.split('\n')[0]);
    expect(fields(resolved)).toEqual(['*Severity*', '*Subject*', '*Started*', '*Value*', '*Resolved*']);
    expect(render('slack', acked).blocks[1].fields[4]).toEqual({ type: 'mrkdwn', text: '*Acknowledged*\ndana: on it' });
    expect(fields({ ...fired, alert: { ...alert, value: null } })).toEqual(['*Severity*', '*Subject*', '*Started*']);
    expect(render('slack', resolved).text).toMatch(/^\[CRITICAL\] Alert resolved: /);
  });

  it('slack: keeps within its limits for a long message', () => {
    const body = render('slack', { ...fired, alert: { ...alert, message: 'x'.repeat(10_000) } });
    expect(body.text).toHaveLength(3000);
    expect(body.text.endsWith('…')).toBe(true);
    expect(body.blocks[0].text.text).toHaveLength(3000);
  });

  it('discord: one embed coloured by severity, green for a resolution, dated by the change, and no mentions', () => {
    const body = render('discord', fired);
    expect(body).toEqual({
      content: '[CRITICAL] Alert fired: Forge <offline> & more',
      embeds: [
        {
          title: 'Alert fired: Forge <offline> & more',
          description: 'forge has been offline for 12 minutes <@everyone>',
          color: 0xe01e5a,
          fields: [
            { name: 'Severity', value: 'critical', inline: true },
            { name: 'Subject', value: 'agent:forge', inline: true },
            { name: 'Started', value: '2026-03-11T10:00:00.000Z', inline: true },
            { name: 'Value', value: '12.5', inline: true },
          ],
          timestamp: '2026-03-11T10:00:00.000Z',
          footer: { text: 'Mission Control · fired · alert 42' },
        },
      ],
      allowed_mentions: { parse: [] },
    });
    const colour = (severity: AlertView['severity']) =>
      render('discord', { ...fired, alert: { ...alert, severity } }).embeds[0].color;
    expect([colour('critical'), colour('warning'), colour('info')]).toEqual([0xe01e5a, 0xecb22e, 0x36c5f0]);
    expect(render('discord', resolved).embeds[0]).toMatchObject({
      color: 0x2eb67d,
      timestamp: '2026-03-11T10:30:00.000Z',
      title: 'Alert resolved: Forge <offline> & more',
    });
    expect(render('discord', acked).embeds[0]).toMatchObject({
      timestamp: '2026-03-11T10:10:00.000Z',
      title: 'Alert acknowledged: Forge <offline> & more',
    });
    expect(render('discord', { event: 'test', alert, rule: null }).embeds[0]).toMatchObject({
      timestamp: SENT,
      title: 'Test notification: Forge <offline> & more',
    });
  });
});
