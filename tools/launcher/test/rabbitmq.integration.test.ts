// The launcher's RabbitMQ check against the machine's real RabbitMQ, a closed port and PostgreSQL.
import { DEFAULTS } from '@tally/config';
import { freePort } from '@tally/testkit';
import { describe, expect, it } from 'vitest';
import { probeRabbitMq } from '../src/rabbitmq.ts';

describe('probeRabbitMq', () => {
  it('finds the running RabbitMQ and names it', async () => {
    expect(await probeRabbitMq(process.env.AMQP_URL || DEFAULTS.amqpUrl)).toEqual({
      ok: true,
      product: expect.stringMatching(/^RabbitMQ \d+\.\d+\.\d+$/),
    });
  });

  it('says plainly when nothing answers, or something that is not AMQP', async () => {
    expect(await probeRabbitMq(`amqp://127.0.0.1:${await freePort()}`)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    expect(await probeRabbitMq(`amqp://127.0.0.1:${new URL(DEFAULTS.databaseUrl).port}`)).toMatchObject({ ok: false });
  });
});
