/**
 * Bounds on the number of Prometheus series (docs/operations-metrics.md). Every labelled family of AMS metrics takes
 * at most AMS_METRICS_MAX_SERIES label sets; what happens beyond the cap is decided here, as pure functions.
 */
import { routeLabel, UNMATCHED } from '../common/routes.js';

/** Label value that stands for every resource beyond the cap. AMS names match [a-zA-Z0-9_-]+, so it never collides. */
export const OTHER = '(other)';


/** The route label of a pull that may wait for messages (`returnImmediately: false`), apart from ordinary pulls. */
export const LONG_POLL_SUFFIX = ' (long-poll)';

/**
 * The `route` label a request is timed under in `ams_http_request_duration_seconds`, or null when it is not timed:
 * only the API (`/v1/...`) and unmatched requests are, so Swagger UI assets and scrapes of `/metrics` stay out. A pull
 * that may wait (`waits`) gets its own label (`...:pull (long-poll)`), so its waits never read as slow ordinary pulls.
 */
export function timedRoute(pattern: string | undefined, waits: boolean): string | null {
  const route = routeLabel(pattern);
  if (route !== UNMATCHED && !route.startsWith('/v1/')) return null;
  return waits && route.endsWith(':pull') ? `${route}${LONG_POLL_SUFFIX}` : route;
}

/** Whether a pull body asks to wait for messages, as the pull reads it: `returnImmediately` false or "false" only. */
export function pullMayWait(body: unknown): boolean {
  const flag = typeof body === 'object' && body !== null ? (body as { returnImmediately?: unknown }).returnImmediately : undefined;
  return flag === false || flag === 'false';
}

/** The `cap` entries of largest `size`, ties by key, and how many were left out. */
export function largest<T>(
  entries: readonly T[],
  cap: number,
  size: (entry: T) => number,
  key: (entry: T) => string,
): { kept: T[]; dropped: number } {
  if (entries.length <= cap) return { kept: [...entries], dropped: 0 };
  const ranked = [...entries].sort((a, b) => size(b) - size(a) || key(a).localeCompare(key(b)));
  return { kept: ranked.slice(0, cap), dropped: entries.length - cap };
}

/**
 * Label sets of a counter family, at most `cap` of them: the first `cap` distinct sets seen keep their own series (a
 * counter must never move to another series, or rates would jump), every later one is counted under `OTHER` for
 * each label. So a family holds at most cap + 1 series for the life of the process.
 */
export class BoundedLabels<L extends string> {
  private readonly seen = new Set<string>();

  constructor(
    private readonly names: readonly L[],
    private readonly cap: number,
  ) {}

  /** The labels to count `labels` under. */
  of(labels: Readonly<Record<L, string>>): Record<L, string> {
    // Label values are AMS names or uuids: no '\n', so the joined key is unambiguous.
    const key = this.names.map((name) => labels[name]).join('\n');
    if (this.seen.has(key)) return { ...labels };
    if (this.seen.size < this.cap) {
      this.seen.add(key);
      return { ...labels };
    }
    return Object.fromEntries(this.names.map((name) => [name, OTHER])) as Record<L, string>;
  }
}
