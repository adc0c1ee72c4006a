// The page: tiles fed live by /v1/stream, charts and tables refreshed from the API every few seconds,
// filters kept in the URL so a view can be shared.
import './style.css';
import { aggregates, freshness, type StreamFrame, stream, top } from './api.ts';
import { createActionChart, createLiveChart } from './charts.ts';
import {
  actionSeries,
  formatAge,
  formatCount,
  formatRate,
  granularityFor,
  isRange,
  pushWindow,
  RANGES,
  type RangeName,
} from './view-model.ts';

const REFRESH_MS = 5_000;
const LIVE_WINDOW = 300;

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const form = $<HTMLFormElement>('#filters');
const banner = $<HTMLDivElement>('#banner');
const text = (testId: string, value: string) => {
  const element = document.querySelector(`[data-testid="${testId}"]`);
  if (element) element.textContent = value;
};

interface Filters {
  range: RangeName;
  action: string;
  userId: string;
}

function readFilters(): Filters {
  const params = new URLSearchParams(location.search);
  const range = params.get('range') ?? '1h';
  return { range: isRange(range) ? range : '1h', action: params.get('action') ?? '', userId: params.get('user_id') ?? '' };
}

function writeFilters(filters: Filters): void {
  const params = new URLSearchParams();
  params.set('range', filters.range);
  if (filters.action) params.set('action', filters.action);
  if (filters.userId) params.set('user_id', filters.userId);
  history.replaceState(null, '', `?${params}`);
}

let filters = readFilters();
(form.elements.namedItem('range') as HTMLSelectElement).value = filters.range;
(form.elements.namedItem('user_id') as HTMLInputElement).value = filters.userId;

const problems = new Map<string, string>();
function problem(source: string, message: string | undefined): void {
  if (message === undefined) problems.delete(source);
  else problems.set(source, message);
  banner.hidden = problems.size === 0;
  banner.textContent = [...problems.values()].join(' · ');
}

const liveChart = createLiveChart($('#live-chart'));
const actionChart = createActionChart($('#action-chart'));
const live = { xs: [] as number[], ingested: [] as number[], counted: [] as number[] };

stream(
  (frame: StreamFrame) => {
    text('tile-ingested', formatRate(frame.ingested_per_s));
    text('tile-counted', formatRate(frame.counted_per_s));
    text('tile-lag', formatCount(frame.lag));
    text('tile-dlq', formatCount(frame.dead_letters));
    pushWindow(live.xs, Date.parse(frame.at) / 1_000, LIVE_WINDOW);
    pushWindow(live.ingested, frame.ingested_per_s, LIVE_WINDOW);
    pushWindow(live.counted, frame.counted_per_s, LIVE_WINDOW);
    liveChart.update(live.xs, live.ingested, live.counted);
  },
  (connected) => problem('stream', connected ? undefined : 'live stream disconnected, reconnecting…'),
);

function fillActions(actions: string[]): void {
  const select = form.elements.namedItem('action') as HTMLSelectElement;
  const known = new Set([...select.options].map((o) => o.value));
  for (const action of [...actions, filters.action].filter(Boolean)) {
    if (!known.has(action)) select.add(new Option(action, action));
    known.add(action);
  }
  select.value = filters.action;
}

function row(cells: (string | number)[], attributes: Record<string, string> = {}): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const [name, value] of Object.entries(attributes)) tr.setAttribute(name, value);
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = String(cell);
    tr.append(td);
  }
  return tr;
}

let generation = 0;
async function refresh(): Promise<void> {
  const mine = ++generation;
  const to = new Date();
  const from = new Date(to.getTime() - RANGES[filters.range]);
  const granularity = granularityFor(filters.range);
  const scope = { from: from.toISOString(), to: to.toISOString(), action: filters.action, user_id: filters.userId };
  try {
    const [page, users, actions, fresh] = await Promise.all([
      aggregates({ ...scope, granularity, group_by: 'action' }),
      top({ ...scope, by: 'user', metric: 'count', limit: '10' }),
      top({ from: scope.from, to: scope.to, by: 'action', metric: 'count', limit: '50' }),
      freshness(),
    ]);
    if (mine !== generation) return; // filters changed meanwhile
    problem('api', undefined);
    const series = actionSeries(page.rows);
    $('#granularity').textContent =
      `per ${granularity}, ${new Date(page.from).toLocaleTimeString()} – ${new Date(page.to).toLocaleTimeString()}`;
    actionChart.update(series.xs, series.actions, series.counts, [Date.parse(page.from) / 1_000, Date.parse(page.to) / 1_000]);
    $('#action-totals').replaceChildren(
      ...series.actions.map((action) =>
        row([action, formatCount(series.totals.get(action) ?? 0)], {
          'data-testid': 'action-total',
          'data-action': action,
          'data-count': String(series.totals.get(action) ?? 0),
        }),
      ),
    );
    $('#top-users').replaceChildren(
      ...users.entries.map((entry, i) =>
        row([i + 1, entry.key, formatCount(entry.count), entry.sum === null ? '–' : formatCount(entry.sum)], {
          'data-testid': 'top-user',
          'data-user': entry.key,
          'data-count': String(entry.count),
        }),
      ),
    );
    fillActions(actions.entries.map((e) => e.key));
    text('tile-dlq', formatCount(fresh.dead_letters));
    text('tile-lag', formatCount(fresh.lag));
    if (fresh.complete_through) {
      text('tile-complete-through', new Date(fresh.complete_through).toLocaleTimeString());
      text('tile-complete-age', formatAge(Date.now() - Date.parse(fresh.complete_through)));
    } else {
      text('tile-complete-through', 'catching up');
    }
    $('#partitions').replaceChildren(
      ...fresh.partitions.map((p) =>
        row([
          p.partition,
          p.applied_offset === null ? '–' : formatCount(p.applied_offset),
          formatCount(p.lag),
          p.newest_occurred_at ? new Date(p.newest_occurred_at).toLocaleTimeString() : '–',
        ]),
      ),
    );
    document.body.dataset.refreshedAt = to.toISOString();
  } catch (error) {
    problem('api', error instanceof Error ? error.message : String(error));
  }
}

form.addEventListener('change', () => {
  const data = new FormData(form);
  const range = String(data.get('range'));
  filters = {
    range: isRange(range) ? range : '1h',
    action: String(data.get('action') ?? ''),
    userId: String(data.get('user_id') ?? '').trim(),
  };
  writeFilters(filters);
  void refresh();
});
form.addEventListener('submit', (event) => event.preventDefault());

writeFilters(filters);
void refresh();
setInterval(() => void refresh(), REFRESH_MS);
