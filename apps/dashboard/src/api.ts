// The reports API: the one place that knows its paths. Its answer types come from its contract, @tally/reports-api.
import type { AggregatesPage, FreshnessAnswer, StreamFrame, TopAnswer } from '@tally/reports-api';

export type { AggregateRow, AggregatesPage, StreamFrame } from '@tally/reports-api';

async function get<T>(path: string, params: Record<string, string | undefined>): Promise<T> {
  const query = new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const response = await fetch(`${path}?${query}`);
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string; fields?: Record<string, string> };
    const fields = body.fields
      ? `: ${Object.entries(body.fields)
          .map(([k, v]) => `${k} ${v}`)
          .join('; ')}`
      : '';
    throw new Error(`${path} answered ${response.status}${body.error ? ` (${body.error}${fields})` : ''}`);
  }
  return (await response.json()) as T;
}

/** Every page of a range (the API pages at 10,000 rows at most). */
export async function aggregates(params: Record<string, string | undefined>): Promise<AggregatesPage> {
  const first = await get<AggregatesPage>('v1/aggregates', { ...params, limit: '10000' });
  let page = first;
  while (page.next_cursor) {
    page = await get<AggregatesPage>('v1/aggregates', { ...params, limit: '10000', cursor: page.next_cursor });
    first.rows.push(...page.rows);
  }
  return first;
}

export const top = (params: Record<string, string | undefined>) => get<TopAnswer>('v1/top', params);
export const freshness = () => get<FreshnessAnswer>('v1/freshness', {});

export function stream(onFrame: (frame: StreamFrame) => void, onState: (connected: boolean) => void): EventSource {
  const source = new EventSource('v1/stream');
  source.addEventListener('progress', (event) => onFrame(JSON.parse((event as MessageEvent<string>).data) as StreamFrame));
  source.addEventListener('open', () => onState(true));
  // EventSource reconnects by itself (the server asks for 2 s); the banner says so meanwhile.
  source.addEventListener('error', () => onState(false));
  return source;
}
