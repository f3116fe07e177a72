import { Turns } from './turns';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('Turns', () => {
  it('yields to the event loop once its turn is over, and not before', async () => {
    const turns = new Turns(50);
    let ran = false;
    setImmediate(() => (ran = true));
    await turns.pause();
    expect(ran).toBe(false);
    busy(60);
    await turns.pause();
    expect(ran).toBe(true);
  });

  it('lets timers run during a long loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const turns = new Turns(4);
    for (let i = 0; i < 50; i++) {
      busy(1);
      await turns.pause();
    }
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });
});
