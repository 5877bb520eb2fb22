import { describe, expect, it } from 'vitest';
import type { KeyChange } from '../../ports/key-events.js';
import { MemoryKeyEventBus } from './memory-key-event-bus.js';

describe('MemoryKeyEventBus', () => {
  it('has run every listener when keyChanged resolves', async () => {
    const bus = new MemoryKeyEventBus();
    const seen: string[] = [];
    bus.subscribe(({ id }) => seen.push(`a:${id}`));
    bus.subscribe(({ id }) => seen.push(`b:${id}`));
    const done = bus.keyChanged('key_1');
    // Synchronous dispatch: nothing may be left for a later tick.
    expect(seen).toEqual(['a:key_1', 'b:key_1']);
    await done;
  });

  it('unsubscribes, idempotently, without touching other subscriptions of the same function', async () => {
    const bus = new MemoryKeyEventBus();
    const seen: string[] = [];
    const listener = ({ id }: KeyChange) => seen.push(id);
    const first = bus.subscribe(listener);
    bus.subscribe(listener);
    first();
    first();
    expect(bus.listenerCount).toBe(1);
    await bus.keyChanged('key_1');
    expect(seen).toEqual(['key_1']);
  });

  it('tells a key change from an institution change', async () => {
    const bus = new MemoryKeyEventBus();
    const seen: KeyChange[] = [];
    bus.subscribe((change) => seen.push(change));
    await bus.keyChanged('key_1');
    await bus.institutionChanged('ins_1');
    expect(seen).toEqual([
      { kind: 'key', id: 'key_1' },
      { kind: 'institution', id: 'ins_1' },
    ]);
  });

  it('resolves with no listeners', async () => {
    await expect(new MemoryKeyEventBus().keyChanged('key_1')).resolves.toBeUndefined();
  });

  it('runs the remaining listeners when one throws, then rejects with that error', async () => {
    const bus = new MemoryKeyEventBus();
    const seen: string[] = [];
    const boom = new Error('listener failed');
    bus.subscribe(() => {
      throw boom;
    });
    bus.subscribe(({ id }) => seen.push(id));
    await expect(bus.keyChanged('key_1')).rejects.toBe(boom);
    expect(seen).toEqual(['key_1']);
  });

  it('a listener that subscribes or unsubscribes while running does not disturb this publish', async () => {
    const bus = new MemoryKeyEventBus();
    const seen: string[] = [];
    let unsubscribeLater: () => void = () => {};
    bus.subscribe(({ id }) => {
      seen.push(`first:${id}`);
      unsubscribeLater();
      bus.subscribe(({ id: again }) => seen.push(`added:${again}`));
    });
    unsubscribeLater = bus.subscribe(({ id }) => seen.push(`second:${id}`));
    await bus.keyChanged('k1');
    expect(seen).toEqual(['first:k1', 'second:k1']);
    await bus.keyChanged('k2');
    expect(seen.slice(2)).toEqual(['first:k2', 'added:k2']);
  });
});
