import { SchemaError } from '@tally/schemas/codec';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConsumerError, classify, failureCode } from './errors.ts';

function postgresError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError(`SQLSTATE ${code}`, 0, 'error');
  error.code = code;
  return error;
}

function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('classify', () => {
  it.each([
    ['a kafkajs connection error', new KafkaJSConnectionError('Connection error'), 'KAFKA_UNAVAILABLE', 'kafka', true],
    ['a kafkajs error it gave up on', new KafkaJSNonRetriableError('broken'), 'KAFKA_REJECTED', 'kafka', false],
    ['a retriable kafkajs protocol error', new KafkaJSProtocolError('leader moved'), 'KAFKA_UNAVAILABLE', 'kafka', true],
    ['an unreachable registry', new SchemaError('REGISTRY_UNAVAILABLE', 'down'), 'REGISTRY_UNAVAILABLE', 'registry', true],
    [
      'a registry that answers 404 even for the subject (wrong URL, empty)',
      new SchemaError('REGISTRY_WRONG_OR_EMPTY', 'wrong'),
      'REGISTRY_UNAVAILABLE',
      'registry',
      true,
    ],
    ['a schema the registry refused', new SchemaError('REGISTRATION_REFUSED', 'no'), 'REGISTRY_REJECTED', 'registry', false],
    ['PostgreSQL shutting down (57P01)', postgresError('57P01'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['a statement timeout (57014)', postgresError('57014'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['a connection exception (08006)', postgresError('08006'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['too many connections (53300)', postgresError('53300'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['a serialization failure (40001)', postgresError('40001'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['a deadlock (40P01)', postgresError('40P01'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['a lock waited for past lock_timeout (55P03)', postgresError('55P03'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    [
      'a session ended by idle_in_transaction_session_timeout (25P03)',
      postgresError('25P03'),
      'POSTGRES_UNAVAILABLE',
      'postgres',
      true,
    ],
    [
      'another invalid transaction state (25P02, in a failed transaction)',
      postgresError('25P02'),
      'POSTGRES_REJECTED',
      'postgres',
      false,
    ],
    ['a unique violation (23505)', postgresError('23505'), 'POSTGRES_REJECTED', 'postgres', false],
    ['a missing table (42P01)', postgresError('42P01'), 'POSTGRES_REJECTED', 'postgres', false],
    ['a refused connection (ECONNREFUSED)', errnoError('ECONNREFUSED'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['a reset connection (ECONNRESET)', errnoError('ECONNRESET'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    ['an unresolvable host (EAI_AGAIN)', errnoError('EAI_AGAIN'), 'POSTGRES_UNAVAILABLE', 'postgres', true],
    [
      'a connection node-postgres saw drop',
      new Error('Connection terminated unexpectedly'),
      'POSTGRES_UNAVAILABLE',
      'postgres',
      true,
    ],
    [
      'a pool that could not connect in time',
      new Error('timeout exceeded when trying to connect'),
      'POSTGRES_UNAVAILABLE',
      'postgres',
      true,
    ],
    [
      'a client whose connection already failed',
      new Error('Client has encountered a connection error and is not queryable'),
      'POSTGRES_UNAVAILABLE',
      'postgres',
      true,
    ],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'offset')"), 'UNEXPECTED', 'unknown', false],
    ['an unknown errno', errnoError('EACCES'), 'UNEXPECTED', 'unknown', false],
    ['a thrown string', 'boom', 'UNEXPECTED', 'unknown', false],
    ['a thrown null', null, 'UNEXPECTED', 'unknown', false],
  ])('classifies %s as %s', (_what, error, code, dependency, retriable) => {
    const classified = classify(error);
    expect(classified).toBeInstanceOf(ConsumerError);
    expect({ code: classified.code, dependency: classified.dependency, retriable: classified.retriable }).toEqual({
      code,
      dependency,
      retriable,
    });
    expect(classified.cause).toBe(error);
  });

  it('returns a ConsumerError as it is', () => {
    const error = new ConsumerError('RETRY_ABANDONED', 'stopped', { dependency: 'postgres', retriable: true });
    expect(classify(error)).toBe(error);
  });

  // Issue 15, item 1: a value PostgreSQL refuses is no outage; waiting for it never helps.
  it.each([
    ['numeric value out of range', postgresError('22003'), false, '22003'],
    ['invalid text representation', postgresError('22P02'), false, '22P02'],
    ['a unique violation', postgresError('23505'), false, '23505'],
    ['a connection failure', postgresError('08006'), true, '08006'],
    ['an administrator shutdown', postgresError('57P01'), true, '57P01'],
    ['too many connections', postgresError('53300'), true, '53300'],
    ['a refused connection', errnoError('ECONNREFUSED'), true, 'ECONNREFUSED'],
    ['a kafkajs error it gave up on', new KafkaJSNonRetriableError('broken'), false, 'KafkaJSNonRetriableError'],
    ['a bug', new TypeError('x is not a function'), false, 'UNEXPECTED'],
  ])('classifies %s (an outage: %s) under the code %s', (_what, error, outage, code) => {
    const classified = classify(error);
    expect({ outage: classified.retriable, code: failureCode(classified) }).toEqual({ outage, code });
  });
});
