import { formatSeconds } from '../common/time.js';
import type { DailyCount } from '../storage/ports/records.js';
import type { MetricDto, TimepointDto } from './dto/metric.dto.js';

/**
 * The metrics of projects, topics and subscriptions (spec 3.8) as pure functions of counted values. Names, types and
 * descriptions are fixed per metric: the descriptions are the original's texts (its metrics/models.go), which clients
 * may show.
 */

interface MetricKind {
  readonly metric: string;
  readonly metric_type: 'counter' | 'rate';
  readonly value_type: 'int64' | 'float64';
  readonly resource_type: 'project' | 'project.user' | 'topic' | 'subscription';
  readonly description: string;
}

const counter = (metric: string, resource_type: MetricKind['resource_type'], description: string): MetricKind => ({
  metric,
  metric_type: 'counter',
  value_type: 'int64',
  resource_type,
  description,
});
const rate = (metric: string, resource_type: MetricKind['resource_type'], description: string): MetricKind => ({
  metric,
  metric_type: 'rate',
  value_type: 'float64',
  resource_type,
  description,
});

export const PROJECT_TOPICS = counter(
  'project.number_of_topics',
  'project',
  'Counter that displays the number of topics belonging to the specific project',
);
export const PROJECT_SUBSCRIPTIONS = counter(
  'project.number_of_subscriptions',
  'project',
  'Counter that displays the number of subscriptions belonging to the specific project',
);
export const PROJECT_USER_TOPICS = counter(
  'project.user.number_of_topics',
  'project.user',
  'Counter that displays the number of topics that a user has access to the specific project',
);
export const PROJECT_USER_SUBSCRIPTIONS = counter(
  'project.user.number_of_subscriptions',
  'project.user',
  'Counter that displays the number of subscriptions that a user has access to the specific project',
);
export const PROJECT_DAILY_MESSAGES = counter(
  'project.number_of_daily_messages',
  'project',
  "A collection of counters that represents the total number of messages published each day to all of the project's topics",
);
export const TOPIC_SUBSCRIPTIONS = counter(
  'topic.number_of_subscriptions',
  'topic',
  'Counter that displays the number of subscriptions belonging to a specific topic',
);
export const TOPIC_MESSAGES = counter(
  'topic.number_of_messages',
  'topic',
  'Counter that displays the number of messages published to the specific topic',
);
export const TOPIC_BYTES = counter(
  'topic.number_of_bytes',
  'topic',
  'Counter that displays the total size of data (in bytes) published to the specific topic',
);
export const TOPIC_DAILY_MESSAGES = counter(
  'topic.number_of_daily_messages',
  'topic',
  'A collection of counters that represents the total number of messages published each day to a specific topic',
);
export const TOPIC_RATE = rate(
  'topic.publishing_rate',
  'topic',
  'A rate that displays how many messages were published per second between the last two publish events',
);
export const SUBSCRIPTION_MESSAGES = counter(
  'subscription.number_of_messages',
  'subscription',
  'Counter that displays the number of messages consumed from the specific subscription',
);
export const SUBSCRIPTION_BYTES = counter(
  'subscription.number_of_bytes',
  'subscription',
  'Counter that displays the total size of data (in bytes) consumed from the specific subscription',
);
export const SUBSCRIPTION_RATE = rate(
  'subscription.consumption_rate',
  'subscription',
  'A rate that displays how many messages were consumed per second between the last two consume events',
);

export const SUBSCRIPTION_PUSHED = counter(
  'subscription.number_of_pushed_messages',
  'subscription',
  'Counter that displays the number of messages the push endpoint of the specific subscription accepted',
);
export const SUBSCRIPTION_PUSH_FAILURES = counter(
  'subscription.number_of_push_failures',
  'subscription',
  'Counter that displays the number of failed push attempts (consume, send or acknowledge) of the specific subscription',
);
export const SUBSCRIPTION_PUSH_RETRIES = counter(
  'subscription.number_of_push_retries',
  'subscription',
  'Counter that displays the number of push attempts that resent messages after a failed attempt',
);

/** Daily series hold at most this many days (spec 3.8), the newest. */
export const DAILY_POINTS = 30;

/** The timestamp of a rate that never saw traffic: Go's zero time, as the original prints it. */
export const NEVER = '0001-01-01T00:00:00Z';

/** One metric with its whole series. */
export function metric(kind: MetricKind, resourceName: string, timeseries: TimepointDto[]): MetricDto {
  return {
    metric: kind.metric,
    metric_type: kind.metric_type,
    value_type: kind.value_type,
    resource_type: kind.resource_type,
    resource_name: resourceName,
    timeseries,
    description: kind.description,
  };
}

/** A counter or rate: one timepoint. */
export const single = (kind: MetricKind, resourceName: string, value: number, timestamp: string): MetricDto =>
  metric(kind, resourceName, [{ timestamp, value }]);

/** Daily counters summed per day (over topics, for a project), newest day first, the DAILY_POINTS newest days. */
export function dailySeries(counts: readonly DailyCount[]): TimepointDto[] {
  const perDay = new Map<string, number>();
  for (const c of counts) perDay.set(c.day, (perDay.get(c.day) ?? 0) + c.messages);
  return [...perDay]
    .sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0))
    .slice(0, DAILY_POINTS)
    .map(([day, messages]) => ({ timestamp: day, value: messages }));
}

/** How many topics and subscriptions of a project one member's ACLs hold. */
export interface MemberAccess {
  readonly user: string;
  readonly topics: number;
  readonly subscriptions: number;
}

export interface ProjectFigures {
  readonly project: string;
  readonly topics: number;
  readonly subscriptions: number;
  /** In the order the metrics list them. */
  readonly members: readonly MemberAccess[];
  readonly daily: readonly DailyCount[];
}

/**
 * `GET /projects/P:metrics`, in the original's order: the project's counts, one `project.user.number_of_topics` per
 * member with topics, then one `project.user.number_of_subscriptions` per member with subscriptions, the daily series.
 */
export function projectMetrics(f: ProjectFigures, now: Date): MetricDto[] {
  const stamp = formatSeconds(now);
  const user = (m: MemberAccess): string => `${f.project}.${m.user}`;
  return [
    single(PROJECT_TOPICS, f.project, f.topics, stamp),
    single(PROJECT_SUBSCRIPTIONS, f.project, f.subscriptions, stamp),
    ...f.members.filter((m) => m.topics > 0).map((m) => single(PROJECT_USER_TOPICS, user(m), m.topics, stamp)),
    ...f.members
      .filter((m) => m.subscriptions > 0)
      .map((m) => single(PROJECT_USER_SUBSCRIPTIONS, user(m), m.subscriptions, stamp)),
    metric(PROJECT_DAILY_MESSAGES, f.project, dailySeries(f.daily)),
  ];
}

/** The rolled-up traffic of a topic or subscription: totals, the last message's time and the current rate. */
export interface Traffic {
  readonly messages: number;
  readonly bytes: number;
  readonly lastAt: Date | null;
  readonly rate: number;
}

const lastStamp = (lastAt: Date | null): string => (lastAt === null ? NEVER : formatSeconds(lastAt));

/** `GET .../topics/T:metrics`, in the original's order; the rate is stamped with the last publish. */
export function topicMetrics(
  f: { readonly topic: string; readonly subscriptions: number; readonly traffic: Traffic; readonly daily: readonly DailyCount[] },
  now: Date,
): MetricDto[] {
  const stamp = formatSeconds(now);
  return [
    single(TOPIC_SUBSCRIPTIONS, f.topic, f.subscriptions, stamp),
    single(TOPIC_MESSAGES, f.topic, f.traffic.messages, stamp),
    single(TOPIC_BYTES, f.topic, f.traffic.bytes, stamp),
    metric(TOPIC_DAILY_MESSAGES, f.topic, dailySeries(f.daily)),
    single(TOPIC_RATE, f.topic, f.traffic.rate, lastStamp(f.traffic.lastAt)),
  ];
}

/** What push delivery did for a subscription, over every process that pushed it. */
export interface PushFigures {
  readonly delivered: number;
  readonly failures: number;
  readonly retries: number;
}

/**
 * `GET .../subscriptions/S:metrics`, in the original's order; the rate is stamped with the last pull that returned
 * messages. A push subscription adds its push counters after them (an extension: pull subscriptions look as in AMS).
 */
export function subscriptionMetrics(
  f: { readonly subscription: string; readonly traffic: Traffic; readonly push?: PushFigures },
  now: Date,
): MetricDto[] {
  const stamp = formatSeconds(now);
  return [
    single(SUBSCRIPTION_MESSAGES, f.subscription, f.traffic.messages, stamp),
    single(SUBSCRIPTION_BYTES, f.subscription, f.traffic.bytes, stamp),
    single(SUBSCRIPTION_RATE, f.subscription, f.traffic.rate, lastStamp(f.traffic.lastAt)),
    ...(f.push === undefined
      ? []
      : [
          single(SUBSCRIPTION_PUSHED, f.subscription, f.push.delivered, stamp),
          single(SUBSCRIPTION_PUSH_FAILURES, f.subscription, f.push.failures, stamp),
          single(SUBSCRIPTION_PUSH_RETRIES, f.subscription, f.push.retries, stamp),
        ]),
  ];
}
