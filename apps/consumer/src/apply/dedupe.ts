// Step 2 of applying a batch: drop resent events (an event_id counted in an earlier batch, or
// twice in this one) with one atomic claim: the batch's ids are inserted into today's seen_events
// partition, and an id is counted only if this transaction inserted it and no earlier day holds it.
//
// Why a claim and not a lookup: two transactions counting the same id at once (a resend with
// another user_id lands on another partition) both found it unseen under READ COMMITTED, and both
// counted it. An insert into a unique key waits for the other transaction's row instead, and once
// that commits, inserts nothing, so exactly one of the two counts the id.
//
// Days: seen_events is partitioned by the UTC day an id was first counted (old days are dropped
// whole), so the key is (event_id, seen_on) and a claim only contends within one day. Earlier
// days are only read: nobody inserts into them any more, except a transaction that began before
// midnight and is still running. For that, a transaction in the first MIDNIGHT_GRACE of a day
// claims its ids in yesterday's partition too, and meets such a transaction's rows there. A batch
// is one statement, its own transaction, cut off by the statement timeout (at most 4 minutes,
// config.ts), so nothing from before midnight commits after the grace.
//
// The claim's SQL lives in @tally/db (dedupe-claim.ts), beside the table it writes.
export { CLAIM_IDS, claimSteps, MIDNIGHT_GRACE } from '@tally/db';
