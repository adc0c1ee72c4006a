import { afterAll, describe, expect, it } from 'vitest';
import { buildHealthServer } from './health-routes.ts';

describe('buildHealthServer', () => {
  const app = buildHealthServer();
  afterAll(() => app.close());

  it('answers /healthz while the process is alive', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers 404 for a path it does not serve', async () => {
    expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
  });
});
