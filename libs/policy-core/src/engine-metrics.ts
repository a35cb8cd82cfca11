import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '@kanshi/contracts';

/** The engine's own counters, in the app's Prometheus registry (labels never carry ids). */
@Injectable()
export class EngineMetrics {
  private readonly moved: Counter;
  private readonly movedTwice: Counter;
  private readonly misplaced: Counter;
  private readonly deadLetters: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.moved = new Counter({
      name: 'kanshi_engine_records_repartitioned_total',
      help: 'Telemetry records read on another partition than the one of their tenant:model (a producer partitioner other than murmur2), moved there.',
      registers,
    });
    this.movedTwice = new Counter({
      name: 'kanshi_engine_repartition_duplicates_total',
      help: 'Moved records that arrived a second time (the source replayed its batch) and were skipped.',
      registers,
    });
    this.misplaced = new Counter({
      name: 'kanshi_engine_records_misplaced_total',
      help: 'Moved records still on the wrong partition (the partition count changed), evaluated where they were.',
      registers,
    });
    this.deadLetters = new Counter({ name: 'kanshi_engine_dead_letters_total', help: 'Records sent to the dead-letter topic, by reason.', labelNames: ['reason'], registers });
    // Every reason shows from the start, at 0, so a rate over it is defined.
    for (const reason of DEAD_LETTER_REASONS) this.deadLetters.inc({ reason }, 0);
  }

  repartitioned(moved: number, duplicates: number, misplaced: number): void {
    if (moved > 0) this.moved.inc(moved);
    if (duplicates > 0) this.movedTwice.inc(duplicates);
    if (misplaced > 0) this.misplaced.inc(misplaced);
  }

  deadLettered(reason: DeadLetterReason, count = 1): void {
    this.deadLetters.inc({ reason }, count);
  }
}
