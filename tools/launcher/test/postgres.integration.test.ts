import { DATABASE_URL } from '@tally/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

describe('the local PostgreSQL', () => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  afterAll(() => client.end());

  it("answers in Tally's own database, which the launcher created", async () => {
    await client.connect();
    const { rows } = await client.query<{ db: string; answer: number }>('SELECT current_database() AS db, 1 + 1 AS answer');
    expect(rows[0]).toEqual({ db: new URL(DATABASE_URL).pathname.slice(1), answer: 2 });
  });
});
