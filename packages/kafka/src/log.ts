// The logCreator every Tally kafkajs client uses: kafkajs's lines as JSON through pino, secrets
// scrubbed, and Kafka's start-up waits (the group coordinator loading, a new topic's partitions
// without a leader yet: transient, retried by kafkajs, yet logged by it as errors with stack
// traces) folded into one warning per episode.
import { type LogEntry, type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * Kafka's retriable "not ready yet" errors of a fresh broker or a just-created topic, as kafkajs
 * 2.2.4's protocol table (src/protocol/error.js) names them; Kafka calls code 14
 * COORDINATOR_LOAD_IN_PROGRESS and code 6 NOT_LEADER_OR_FOLLOWER.
 */
export const STARTUP_WAITS = [
  {
    type: 'GROUP_LOAD_IN_PROGRESS',
    code: 14,
    message: "The coordinator is loading and hence can't process requests for this group",
    waitingFor: 'group coordinator',
  },
  {
    type: 'GROUP_COORDINATOR_NOT_AVAILABLE',
    code: 15,
    message: 'The group coordinator is not available',
    waitingFor: 'group coordinator',
  },
  {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    message: 'This server does not host this topic-partition',
    waitingFor: 'partition leader',
  },
  {
    type: 'LEADER_NOT_AVAILABLE',
    code: 5,
    message: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
    waitingFor: 'partition leader',
  },
  {
    type: 'NOT_LEADER_FOR_PARTITION',
    code: 6,
    message: 'This server is not the leader for that topic-partition',
    waitingFor: 'partition leader',
  },
] as const;

/** kafkajs's own error when no broker could name a coordinator (every FindCoordinator said "not available"). */
const COORDINATOR_NOT_FOUND = 'KafkaJSGroupCoordinatorNotFound';

/**
 * How long an episode of coordinator errors stays one warning. A fresh broker loads its
 * __consumer_offsets in seconds, and kafkajs retries at most 30 s apart; past a minute it is no
 * longer a start-up wait, and the errors are logged in full again.
 */
export const STARTUP_WAIT_GRACE_MS = 60_000;

/**
 * How long after a client is made its waits count as start-up. Later, the same errors are a broker
 * failing over or a topic gone, and are logged as kafkajs gives them.
 */
export const STARTUP_WINDOW_MS = 300_000;

/**
 * Names the start-up wait (coordinator loading, partition without a leader) a kafkajs log entry reports, or undefined. Structured fields
 * (`type`, `code`, `retriable`, `name`, on the entry or its `error`) come first.
 */
export function startupWait(entry: LogEntry['log']): string | undefined {
  for (const candidate of [entry, entry.error]) {
    if (candidate === null || typeof candidate !== 'object') continue;
    const { type, code, name, retriable } = candidate as Record<string, unknown>;
    if (retriable === false) continue;
    const known = STARTUP_WAITS.find((error) => error.type === type || error.code === code);
    if (known) return known.type;
    if (name === COORDINATOR_NOT_FOUND) return COORDINATOR_NOT_FOUND;
  }
  // TRICKY: kafkajs 2.2.4 does not log these errors' type: a "Response GroupCoordinator(key: 10, …)"
  // line carries only `error: e.message`, and a consumer crash only "Crash: <name>: <message>" (a
  // KafkaJSNumberOfRetriesExceeded keeps its cause's message). So the text is matched, but only
  // against the messages of kafkajs's own table for these types (a test holds the two in step).
  const text = typeof entry.error === 'string' ? entry.error : undefined;
  const crash = /^Crash: (\w+): (.*)$/s.exec(entry.message);
  if (crash?.[1] === COORDINATOR_NOT_FOUND) return COORDINATOR_NOT_FOUND;
  return STARTUP_WAITS.find((error) => error.message === text || error.message === crash?.[2])?.type;
}

/**
 * The kafkajs logCreator: each line through `log` (ERROR as error, WARN as warn, the rest as info)
 * with `scrub` applied. A retriable coordinator-not-ready error opens an episode that logs one warning,
 * without stack; its repeats (and the "Restarting the consumer" line after such a crash) are dropped
 * until any other line is logged, the errors pause for STARTUP_WAIT_GRACE_MS, or the episode outlives
 * it. Every other line is logged as kafkajs gave it. One creator per client: the state is the client's.
 */
export function kafkajsLogCreator(options: { log: Logger; scrub?: <T>(value: T) => T; now?: () => number }): logCreator {
  const { log, scrub = (value) => value, now = Date.now } = options;
  return () => {
    const createdAt = now();
    let episode: { startedAt: number; lastAt: number } | undefined;
    return ({ namespace, level, log: entry }) => {
      const { message, ...rest } = entry;
      const at = now();
      const notReady = at - createdAt <= STARTUP_WINDOW_MS ? startupWait(entry) : undefined;
      if (episode && at - episode.lastAt > STARTUP_WAIT_GRACE_MS) episode = undefined;
      if (notReady !== undefined && !episode) {
        episode = { startedAt: at, lastAt: at };
        const { stack: _stack, ...fields } = rest;
        const waitingFor = STARTUP_WAITS.find((error) => error.type === notReady)?.waitingFor ?? 'group coordinator';
        log.warn(
          scrub({
            event: waitingFor === 'group coordinator' ? 'kafkajs_coordinator_not_ready' : 'kafkajs_partition_leader_not_ready',
            namespace,
            type: notReady,
            ...fields,
            kafkajsMessage: message,
          }),
          `Kafka's ${waitingFor} is not ready yet (${notReady}); kafkajs retries, the repeats are not logged`,
        );
        return;
      }
      if (episode && (notReady !== undefined || message.startsWith('Restarting the consumer in '))) {
        episode.lastAt = at;
        if (at - episode.startedAt <= STARTUP_WAIT_GRACE_MS) return;
      } else {
        episode = undefined;
      }
      if (message.startsWith('Response CreateTopics')) {
        // NOTE: two apps starting together both create a missing topic, and the loser's answer is
        // TOPIC_ALREADY_EXISTS, which kafkajs logs as an error it then handles. Whatever else the
        // answer says reaches the caller (ensureTopic), which fails the start with it.
        const { stack: _stack, ...fields } = rest;
        log.warn(scrub({ event: 'kafkajs_create_topics_answer', ...fields }), scrub(`${message}: the caller handles it`));
        return;
      }
      const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
      log[method](scrub({ event: 'kafkajs_log', ...rest }), scrub(message));
    };
  };
}
