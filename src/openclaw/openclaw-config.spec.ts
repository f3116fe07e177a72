import { parseOpenClawConfig } from './openclaw-config';

describe('parseOpenClawConfig', () => {
  it('reads the list form in JSON5, with the default model and prices', () => {
    const config = parseOpenClawConfig(`{
      // as people write it
      agents: { defaults: { model: { primary: "fake/m1" } },
                list: [ { id: "main" }, { id: "scout", name: "Scout", identity: { name: "Scout Prime", emoji: "🔭" }, model: "fake/m2" }, ], },
      models: { providers: { fake: { models: [ { id: "m1", cost: { input: 3, output: 15, cacheRead: 0.3 } } ] } } },
    }`);
    expect(config.agents).toEqual([
      { id: 'main', name: null, emoji: null, model: 'fake/m1', workspace: null },
      { id: 'scout', name: 'Scout Prime', emoji: '🔭', model: 'fake/m2', workspace: null },
    ]);
    expect(config.prices.get('fake/m1')).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 0 });
  });

  it('reads the keyed form in plain JSON, model as {primary}', () => {
    const config = parseOpenClawConfig(
      JSON.stringify({
        agents: { entries: { ops: { name: 'Ops', workspace: '/w/ops', model: { primary: 'openai/gpt-5' } } } },
      }),
    );
    expect(config.agents).toEqual([
      { id: 'ops', name: 'Ops', emoji: null, model: 'openai/gpt-5', workspace: '/w/ops' },
    ]);
  });

  it('skips what it cannot use and never throws on odd shapes', () => {
    const config = parseOpenClawConfig(
      JSON.stringify({
        agents: { list: [null, 3, { id: '../etc' }, { id: 'ok', name: 5, identity: 'x' }], entries: [] },
        models: { providers: { p: { models: [{ id: 'm', cost: { input: -1, output: 'x' } }] } } },
      }),
    );
    expect(config.agents.map((a) => a.id)).toEqual(['ok']);
    expect(config.agents[0].name).toBeNull();
    expect(config.prices.get('p/m')).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
    expect(parseOpenClawConfig('{}').agents).toEqual([]);
    expect(() => parseOpenClawConfig('[1,2]')).toThrow('not an object');
    expect(() => parseOpenClawConfig('{ agents: ')).toThrow();
  });
});
