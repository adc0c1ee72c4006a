// Realistic report events for load: users drawn uniformly or with a Zipf skew (a few hot users send most events),
// a set of actions, and a value on some of them. Seeded, so a run repeats.
import { v7 as uuidv7 } from 'uuid';
import { seededRandom } from './seeded-random.ts';

export interface GeneratedEvent {
  event_id: string;
  user_id: string;
  action: string;
  occurred_at: number;
  value?: number;
  source: string;
  attributes?: Record<string, string>;
}

export interface EventMix {
  users: number;
  /** Zipf exponent: 0 is uniform; about 1 means the hottest user sends ~10% of events among 1,000. */
  skew: number;
  actions: string[];
  seed: number;
}

const HOSTS = ['web-01', 'web-02', 'web-03', 'worker-01', 'worker-02'];

export function createEventSource(mix: EventMix): (now: number) => GeneratedEvent {
  const random = seededRandom(mix.seed);
  // Cumulative weights of users 1..n under Zipf(skew); a binary search picks one.
  const cumulative = new Float64Array(mix.users);
  let total = 0;
  for (let i = 0; i < mix.users; i++) {
    total += 1 / (i + 1) ** mix.skew;
    cumulative[i] = total;
  }
  const pickUser = () => {
    const target = random() * total;
    let low = 0;
    let high = mix.users - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cumulative[mid] ?? 0) < target) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
  return (now) => {
    const action = mix.actions[Math.floor(random() * mix.actions.length)] ?? 'login';
    const event: GeneratedEvent = {
      event_id: uuidv7(),
      user_id: String(pickUser()),
      action,
      // Events arrive a little after they happen.
      occurred_at: now - Math.floor(random() * 2_000),
      source: 'tally-load',
      // A few labels, as services send them; with them an encoded event is about 150 bytes.
      attributes: { host: HOSTS[Math.floor(random() * HOSTS.length)] ?? 'web-01', region: 'eu-west-1', release: '2026.11.3' },
    };
    // Whole milliseconds, so sums are exact in a double and comparable to the database's.
    if (random() < 0.5) event.value = 1 + Math.floor(random() * 5_000);
    return event;
  };
}
