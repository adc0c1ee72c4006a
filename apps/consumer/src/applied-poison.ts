// Before the dead-letter step: poison records PostgreSQL already applied (their dead_letters rows
// exist, next_offset is past them) are not sent to the dead-letter topic again. The fence
// (apply/fence.ts) skips them for counting, but it runs after the send, so without this a
// redelivered batch (Kafka's offsets trailing PostgreSQL's, a batch fetched before a rebalance's
// seek) would put them on the topic a second time.
import type { PoisonRecord } from './decode-batch.ts';

export interface SplitPoison {
  /** Past PostgreSQL's next_offset: to dead-letter now. */
  fresh: PoisonRecord[];
  /** Below it: dead-lettered when first applied. */
  applied: PoisonRecord[];
}

/**
 * `storedNext` is the partition's next_offset as read before the batch's transaction (undefined:
 * no row yet). Read without the fence's lock it can only be behind the locked value, so this
 * holds back nothing the fence would apply.
 */
export function splitAppliedPoison(poison: PoisonRecord[], storedNext: bigint | undefined): SplitPoison {
  // TRICKY: next_offset is the first offset not applied: a record AT it is fresh.
  if (storedNext === undefined) return { fresh: poison, applied: [] };
  return { fresh: poison.filter((p) => p.offset >= storedNext), applied: poison.filter((p) => p.offset < storedNext) };
}
