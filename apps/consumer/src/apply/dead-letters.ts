// A step of applying a batch: one dead_letters row per poison record, beside the copy
// dead-letter.ts sent to the dead-letter topic, in the batch's statement (exact counts by reason).

/**
 * The step of the batch statement: the poison records (`poison`: columns o, code, reason) at or past the fence's
 * next_offset (`go`), as dead_letters rows of `topic` and `partition` (SQL expressions).
 */
export function deadLetterStep(poison: string, go: string, topic: string, partition: string): string {
  return `dead AS (
  INSERT INTO dead_letters (topic, partition, "offset", reason_code, reason)
  SELECT ${topic}, ${partition}, p.o, p.code, p.reason FROM ${poison} AS p WHERE p.o >= (SELECT stored FROM ${go})
  ON CONFLICT DO NOTHING
)`;
}
