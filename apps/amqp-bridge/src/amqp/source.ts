// The RabbitMQ side of the bridge: one connection and one consuming channel at a time, reconnected
// with backoff when RabbitMQ goes away, each channel numbered (its generation). Deliveries carry
// their generation; an ack for a generation that is not the live one is dropped, because delivery
// tags belong to their channel: after a reconnect an old tag would name another message, or none
// ("unknown delivery tag" closes the channel). RabbitMQ has already requeued those deliveries.
import { redactUrl } from '@tally/config';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { ensureQueue } from './queue.ts';

export interface Delivery {
  generation: number;
  message: ConsumeMessage;
  /** When it arrived (ms), to see how long it has been held. */
  receivedAt: number;
}

export interface AmqpSource {
  /** Connects (and keeps reconnecting) and consumes; deliveries go to `onDelivery`. */
  start(): void;
  /**
   * Acknowledges the delivery and every earlier one of its channel (`multiple`), if that channel is
   * still the live one (undefined when not: nothing is sent). The promise says whether RabbitMQ
   * surely has the ack: true once a later round trip on the channel came back, false when the
   * channel died first (the ack may then be lost, and the deliveries come back).
   */
  ack(delivery: Delivery): Promise<boolean> | undefined;
  /**
   * Hands every unacknowledged delivery back to RabbitMQ (closes the connection) and consumes
   * nothing until resume(): for when Kafka or the registry keeps deliveries waiting too long.
   */
  release(reason: string): Promise<void>;
  resume(): void;
  /** Stops taking deliveries (cancels the consumer) and keeps the channel open to ack what is held. */
  cancel(): Promise<void>;
  close(): Promise<void>;
  /** 'ok' while consuming; otherwise why not. */
  state(): string;
}

export interface AmqpSourceOptions {
  url: string;
  queue: string;
  prefetch: number;
  log: Logger;
  onDelivery: (delivery: Delivery) => void;
  /** The channel of `generation` is gone: its deliveries are back in the queue. */
  onLost: (generation: number) => void;
  onReconnect?: () => void;
  backoff?: { initialMs: number; maxMs: number };
}

interface Live {
  connection: ChannelModel;
  channel: Channel;
  generation: number;
  consumerTag: string | undefined;
}

export function createAmqpSource(options: AmqpSourceOptions): AmqpSource {
  const { log, queue } = options;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const where = redactUrl(options.url);
  let live: Live | undefined;
  let generation = 0;
  let attempt = 0;
  let wanted = false;
  let paused = false;
  let connecting = false;
  let timer: NodeJS.Timeout | undefined;
  let state = 'not started';

  function schedule(): void {
    if (!wanted || paused || live || connecting || timer) return;
    const delay =
      attempt === 0 ? 0 : Math.min(backoff.maxMs, backoff.initialMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
  }

  async function connect(): Promise<void> {
    connecting = true;
    attempt++;
    let connection: ChannelModel | undefined;
    try {
      connection = await amqp.connect(options.url, { clientProperties: { connection_name: 'tally-amqp-bridge' } });
      connection.on('error', (error: Error) =>
        log.warn({ event: 'amqp_connection_error', err: error }, 'RabbitMQ connection error'),
      );
      connection.on('blocked', (reason: string) =>
        log.warn({ event: 'amqp_blocked', reason }, 'RabbitMQ blocked the connection'),
      );
      const found = await ensureQueue(connection, queue);
      if (found !== 'found_other') {
        log.warn(
          { event: 'amqp_queue_not_durable', queue, found },
          `queue ${queue} is not durable (the publishers' default declare): RabbitMQ loses its messages when it restarts; see docs/amqp-bridge.md to move to a durable or quorum queue`,
        );
      } else
        log.info({ event: 'amqp_queue_found', queue }, `queue ${queue} found, declared with other settings; consumed as it is`);
      const channel = await connection.createChannel();
      channel.on('error', (error: Error) => log.warn({ event: 'amqp_channel_error', err: error }, 'RabbitMQ channel error'));
      // NOTE: prefetch applies to consumers started after it, so it comes first.
      await channel.prefetch(options.prefetch, false);
      generation++;
      const current: Live = { connection, channel, generation, consumerTag: undefined };
      const lost = () => {
        if (live !== current) return;
        live = undefined;
        state = 'reconnecting to RabbitMQ';
        options.onLost(current.generation);
        void current.connection.close().catch(() => undefined);
        schedule();
      };
      connection.on('close', lost);
      channel.on('close', lost);
      live = current;
      const { consumerTag } = await channel.consume(
        queue,
        (message) => {
          // null: RabbitMQ cancelled the consumer (the queue was deleted): start over, declaring it again.
          if (message === null) {
            log.warn({ event: 'amqp_consumer_cancelled', queue }, 'RabbitMQ cancelled the consumer; reconnecting');
            lost();
            return;
          }
          options.onDelivery({ generation: current.generation, message, receivedAt: Date.now() });
        },
        { noAck: false },
      );
      current.consumerTag = consumerTag;
      // Released or stopped while connecting: hand back at once whatever arrived.
      if (!wanted || paused) {
        await closeLive();
        return;
      }
      if (attempt > 1) options.onReconnect?.();
      attempt = 0;
      state = 'ok';
      log.info({ event: 'amqp_consuming', url: where, queue, prefetch: options.prefetch, generation }, `consuming ${queue}`);
    } catch (error) {
      state = `cannot consume ${queue} at ${where}: ${error instanceof Error ? error.message : String(error)}`;
      log.warn({ event: 'amqp_connect_failed', url: where, queue, attempt, err: error }, 'RabbitMQ not reachable; retrying');
      if (connection && live?.connection !== connection) await connection.close().catch(() => undefined);
    } finally {
      connecting = false;
      schedule();
    }
  }

  async function closeLive(): Promise<void> {
    const current = live;
    live = undefined;
    if (!current) return;
    options.onLost(current.generation);
    await current.connection.close().catch(() => undefined);
  }

  return {
    start() {
      wanted = true;
      schedule();
    },
    ack(delivery) {
      if (!live || live.generation !== delivery.generation) return undefined;
      live.channel.ack(delivery.message, true);
      // TRICKY: basic.ack has no answer. A channel handles its frames in order, so the answer to a
      // later synchronous method (basic.qos with the same prefetch: changes nothing) proves RabbitMQ
      // took the ack; a connection cut before that may have lost it.
      return live.channel.prefetch(options.prefetch, false).then(
        () => true,
        () => false,
      );
    },
    async release(reason) {
      paused = true;
      state = `released the deliveries it held back to RabbitMQ: ${reason}`;
      await closeLive();
    },
    resume() {
      if (!paused) return;
      paused = false;
      state = 'reconnecting to RabbitMQ';
      schedule();
    },
    async cancel() {
      wanted = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (live?.consumerTag) await live.channel.cancel(live.consumerTag).catch(() => undefined);
      state = 'stopped';
    },
    async close() {
      wanted = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await closeLive();
      state = 'stopped';
    },
    state: () => state,
  };
}
