import type { UsageEvent, UsageSink } from '../ports/usage-sink.js';

/** One sink that hands each event to several (in order); a throwing sink does not stop the others. */
export function fanOutUsage(sinks: readonly UsageSink[]): UsageSink {
  if (sinks.length === 1) return sinks[0] as UsageSink;
  return {
    emit(event: UsageEvent): void {
      let failure: unknown;
      for (const sink of sinks) {
        try {
          sink.emit(event);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
}
