// kafkajsLogCreator fed the log entries kafkajs 2.2.4 produces while Kafka's group coordinator is
// still loading: one warning per episode, every other line as before. No services needed.
import { createRequire } from 'node:module';
import { type LogEntry, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { secretScrubber } from './client.ts';
import { kafkajsLogCreator, STARTUP_WAIT_GRACE_MS, STARTUP_WAITS, STARTUP_WINDOW_MS, startupWait } from './log.ts';

type Line = { level: number; msg: string; event: string; [key: string]: unknown };

/** A kafkajs client's log function writing through a real pino logger into `lines`, on a settable clock. */
function harness(options: { secret?: string } = {}) {
  const lines: Line[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const clock = { now: 1_000_000 };
  const creator = kafkajsLogCreator({ log, scrub: secretScrubber(options.secret), now: () => clock.now });
  const write = creator(logLevel.WARN);
  return { lines, clock, write: (...entries: LogEntry[]) => entries.forEach(write) };
}

const PINO_WARN = 40;
const PINO_ERROR = 50;
const STACK = 'KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator\n    at Cluster.findGroupCoordinatorMetadata';

// As captured from kafkajs 2.2.4 on a fresh Kafka 4.1.2 broker (three groups joining at once).
function findCoordinatorResponse(correlationId: number): LogEntry {
  return {
    namespace: 'Connection',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: {
      timestamp: '2026-12-02T14:55:08.026Z',
      logger: 'kafkajs',
      message: 'Response GroupCoordinator(key: 10, version: 2)',
      broker: '127.0.0.1:19092',
      clientId: 'tally-consumer',
      error: 'The group coordinator is not available',
      correlationId,
      size: 55,
    },
  };
}

// The shapes kafkajs's code gives these lines (src/network/connection.js, src/consumer/index.js).
const joinGroupLoading: LogEntry = {
  namespace: 'Connection',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: {
    timestamp: '2026-12-02T14:55:08.500Z',
    logger: 'kafkajs',
    message: 'Response JoinGroup(key: 11, version: 5)',
    broker: '127.0.0.1:19092',
    clientId: 'tally-consumer',
    error: "The coordinator is loading and hence can't process requests for this group",
    correlationId: 7,
    size: 40,
  },
};
const crash: LogEntry = {
  namespace: 'Consumer',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: {
    timestamp: '2026-12-02T14:55:09.000Z',
    logger: 'kafkajs',
    message: 'Crash: KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator',
    groupId: 'tally-aggregator',
    retryCount: 5,
    stack: STACK,
  },
};
const restarting: LogEntry = {
  namespace: 'Consumer',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: {
    timestamp: '2026-12-02T14:55:09.001Z',
    logger: 'kafkajs',
    message: 'Restarting the consumer in 300ms',
    retryCount: 5,
    retryTime: 300,
    groupId: 'tally-aggregator',
  },
};
const unrelated: LogEntry = {
  namespace: 'Connection',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: {
    timestamp: '2026-12-02T14:55:10.000Z',
    logger: 'kafkajs',
    message: 'Connection error: connect ECONNREFUSED 127.0.0.1:19092',
    broker: '127.0.0.1:19092',
    clientId: 'tally-consumer',
    stack: 'Error: connect ECONNREFUSED 127.0.0.1:19092\n    at TCPConnectWrap.afterConnect',
  },
};

describe('kafkajsLogCreator', () => {
  it("turns a new topic's leaderless moment into one warning without a stack", () => {
    const { lines, write } = harness();
    const response = (api: string, error: string) => ({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 't', message: `Response ${api}`, broker: '127.0.0.1:9092', clientId: 'tally-consumer', error },
    });
    write(
      response('Metadata(key: 3, version: 6)', 'This server does not host this topic-partition'),
      response('ListOffsets(key: 2, version: 3)', 'This server is not the leader for that topic-partition'),
    );
    expect(lines.map((line) => [line.level, line.event, line.type])).toEqual([
      [PINO_WARN, 'kafkajs_partition_leader_not_ready', 'UNKNOWN_TOPIC_OR_PARTITION'],
    ]);
    expect(lines[0]?.msg).toContain('partition leader is not ready yet');
  });

  it('turns a coordinator start-up episode into one warning without a stack', () => {
    const { lines, clock, write } = harness();
    write(findCoordinatorResponse(2), findCoordinatorResponse(3), findCoordinatorResponse(4));
    clock.now += 5_000;
    write(crash, restarting, joinGroupLoading);

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: PINO_WARN,
      event: 'kafkajs_coordinator_not_ready',
      namespace: 'Connection',
      type: 'GROUP_COORDINATOR_NOT_AVAILABLE',
      broker: '127.0.0.1:19092',
      error: 'The group coordinator is not available',
      kafkajsMessage: 'Response GroupCoordinator(key: 10, version: 2)',
    });
    expect(line?.msg).toContain('not ready');
    expect(JSON.stringify(lines)).not.toContain('stack');
  });

  it('logs every other line as before, and a later coordinator error after one opens a new episode', () => {
    const { lines, write } = harness();
    write(crash, unrelated, restarting, findCoordinatorResponse(9));

    expect(lines.map((line) => [line.level, line.event])).toEqual([
      [PINO_WARN, 'kafkajs_coordinator_not_ready'],
      [PINO_ERROR, 'kafkajs_log'],
      // Not after a coordinator crash any more: as kafkajs logged it.
      [PINO_ERROR, 'kafkajs_log'],
      [PINO_WARN, 'kafkajs_coordinator_not_ready'],
    ]);
    expect(lines[0]?.type).toBe('KafkaJSGroupCoordinatorNotFound');
    expect(lines[1]).toMatchObject({ msg: unrelated.log.message, stack: unrelated.log.stack, broker: '127.0.0.1:19092' });
    expect(lines[2]?.msg).toBe('Restarting the consumer in 300ms');
  });

  it('recognises the errors by their structured type or code, and leaves non-retriable ones alone', () => {
    const entry = (fields: Record<string, unknown>) => ({ timestamp: 't', message: 'Something failed', ...fields });
    expect(startupWait(entry({ error: { type: 'GROUP_LOAD_IN_PROGRESS', retriable: true } }))).toBe('GROUP_LOAD_IN_PROGRESS');
    expect(startupWait(entry({ code: 15 }))).toBe('GROUP_COORDINATOR_NOT_AVAILABLE');
    expect(startupWait(entry({ error: { name: 'KafkaJSGroupCoordinatorNotFound' } }))).toBe('KafkaJSGroupCoordinatorNotFound');
    expect(startupWait(entry({ error: { type: 'GROUP_COORDINATOR_NOT_AVAILABLE', retriable: false } }))).toBe(undefined);
    expect(startupWait(entry({ error: { type: 'NOT_LEADER_FOR_PARTITION', retriable: true } }))).toBe('NOT_LEADER_FOR_PARTITION');
    // Retriable, but no start-up wait: logged as kafkajs gives it.
    expect(startupWait(entry({ error: { type: 'REQUEST_TIMED_OUT', retriable: true } }))).toBe(undefined);
    // A retry wrapper keeps its cause's message.
    expect(startupWait(entry({ message: 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available' }))).toBe(
      'GROUP_COORDINATOR_NOT_AVAILABLE',
    );
    expect(startupWait(entry({ error: 'The group coordinator is not available (or is it?)' }))).toBe(undefined);
  });

  it('logs in full again once an episode outlives the grace period, and warns anew after a pause', () => {
    const { lines, clock, write } = harness();
    write(findCoordinatorResponse(1));
    for (let waited = 0; waited < STARTUP_WAIT_GRACE_MS; waited += 10_000) {
      clock.now += 10_000;
      write(findCoordinatorResponse(2));
    }
    expect(lines).toHaveLength(1);
    clock.now += 10_000;
    write(crash);
    expect(lines.map((line) => [line.level, line.event])).toEqual([
      [PINO_WARN, 'kafkajs_coordinator_not_ready'],
      [PINO_ERROR, 'kafkajs_log'],
    ]);
    expect(lines[1]?.stack).toBe(STACK);

    clock.now += STARTUP_WAIT_GRACE_MS + 1;
    write(findCoordinatorResponse(3), findCoordinatorResponse(4));
    expect(lines.map((line) => line.event)).toEqual([
      'kafkajs_coordinator_not_ready',
      'kafkajs_log',
      'kafkajs_coordinator_not_ready',
    ]);
  });

  it('keeps each client to its own episode', () => {
    const lines: Line[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const creator = kafkajsLogCreator({ log });
    const producer = creator(logLevel.WARN);
    const consumer = creator(logLevel.WARN);
    for (const write of [producer, consumer, producer, consumer]) write(findCoordinatorResponse(1));
    expect(lines.map((line) => line.event)).toEqual(['kafkajs_coordinator_not_ready', 'kafkajs_coordinator_not_ready']);
  });

  it('scrubs the secret from the warning too', () => {
    const { lines, write } = harness({ secret: 's3cret-pw' });
    const leaky = findCoordinatorResponse(1);
    write({ ...leaky, log: { ...leaky.log, broker: 'user:s3cret-pw@127.0.0.1:19092' } });
    expect(JSON.stringify(lines)).not.toContain('s3cret-pw');
  });
});

describe('STARTUP_WAITS', () => {
  it("matches kafkajs's own protocol error table", () => {
    // NOTE: kafkajs exports no such table; its source file is required directly, to notice a kafkajs
    // upgrade that rewords the messages the text fallback compares against.
    const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: { type: string; code: number; retriable: boolean; message: string }[];
    };
    for (const { waitingFor: _, ...known } of STARTUP_WAITS) {
      expect(errorCodes.find((error) => error.code === known.code)).toEqual({ ...known, retriable: true });
    }
  });
});

describe('kafkajsLogCreator after start-up', () => {
  it("logs a client's later coordinator and leader errors as kafkajs gives them: a failover is no start-up wait", () => {
    const { lines, clock, write } = harness();
    clock.now += STARTUP_WINDOW_MS + 1;
    write(findCoordinatorResponse(2), findCoordinatorResponse(3));
    expect(lines.map((line) => [line.level, line.event])).toEqual([
      [PINO_ERROR, 'kafkajs_log'],
      [PINO_ERROR, 'kafkajs_log'],
    ]);
  });
});

describe('kafkajsLogCreator and topic creation', () => {
  it('logs a CreateTopics error answer as a warning without a stack: two apps racing to create a topic is normal, and the caller reports real failures', () => {
    const { lines, write } = harness();
    write({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: 't',
        message: 'Response CreateTopics(key: 19, version: 3)',
        broker: '127.0.0.1:9092',
        clientId: 'tally-producer',
        error: 'Topic creation errors',
        stack: 'KafkaJSAggregateError: Topic creation errors\n    at …',
      },
    });
    expect(lines.map((line) => [line.level, line.event])).toEqual([[PINO_WARN, 'kafkajs_create_topics_answer']]);
    expect(JSON.stringify(lines)).not.toContain('stack');
  });
});
