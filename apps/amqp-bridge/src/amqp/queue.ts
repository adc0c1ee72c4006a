// The queue the publishers publish to, found or declared without ever breaking it for them: checked
// passively first; when missing, declared exactly as pika's default `queue_declare(queue=...)` does
// (not durable, not exclusive, not auto-deleted, no arguments), so publisher and bridge can start
// in either order. A declare with other settings would fail with PRECONDITION_FAILED, so each probe
// runs on a throwaway channel of its own.
import type { ChannelModel } from 'amqplib';

/** pika's `channel.queue_declare(queue=name)` with its defaults. */
export const PUBLISHER_DECLARE = { durable: false, exclusive: false, autoDelete: false } as const;

export type QueueFound =
  /** It existed with the publishers' default settings: not durable. */
  | 'found_default'
  /** It existed with other settings (durable, quorum, arguments): consumed as it is. */
  | 'found_other'
  /** It did not exist; declared as the publishers would. */
  | 'declared';

export async function ensureQueue(connection: ChannelModel, queue: string): Promise<QueueFound> {
  const exists = await onThrowawayChannel(connection, (channel) => channel.checkQueue(queue)).then(
    () => true,
    (error: unknown) => {
      if (replyCode(error) === 404) return false;
      throw error;
    },
  );
  // NOTE: re-declaring with identical settings is a no-op; with different ones it fails, which says
  // the queue is not the publishers' default one. Either way only the throwaway channel closes.
  const declared = await onThrowawayChannel(connection, (channel) => channel.assertQueue(queue, PUBLISHER_DECLARE)).then(
    () => true,
    (error: unknown) => {
      if (exists && replyCode(error) === 406) return false;
      throw error;
    },
  );
  if (!exists) return 'declared';
  return declared ? 'found_default' : 'found_other';
}

async function onThrowawayChannel<T>(
  connection: ChannelModel,
  work: (channel: Awaited<ReturnType<ChannelModel['createChannel']>>) => Promise<T>,
): Promise<T> {
  const channel = await connection.createChannel();
  // TRICKY: a channel the server closes (404, 406) without an 'error' listener takes the whole
  // connection down with it in amqplib (amqp-node/amqplib#649).
  channel.on('error', () => undefined);
  try {
    return await work(channel);
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** The AMQP reply code of a channel error amqplib raised (404 NOT_FOUND, 406 PRECONDITION_FAILED…). */
export function replyCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
