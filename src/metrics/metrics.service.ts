import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Caller } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { Clock } from '../common/time.js';
import { COUNTERS, type CounterStore, type DailyCountFilter } from '../storage/ports/counter-store.repository.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { SUBSCRIPTIONS, type SubscriptionStore } from '../storage/ports/subscription-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import { type CountedKind, type ProjectRecord, PUSH_COUNTED_KINDS, type ResourceCounters } from '../storage/ports/records.js';
import type { MetricListDto } from './dto/metric.dto.js';
import type { UsageReportDto, VaReportDto } from './dto/usage-report.dto.js';
import { allNodeMetrics, NodeSamples } from './node-metrics.js';
import { type MemberAccess, projectMetrics, subscriptionMetrics, topicMetrics, type Traffic } from './resource-metrics.js';
import { ratePerSecond, subscriptionIncarnation, TrafficCounter, topicIncarnation } from './traffic-counter.js';
import { UsageCounter, utcDay } from './usage-counter.js';
import { type ProjectUsage, type ReportWindow, reportWindow, vaReport, windowDays } from './va-report.js';
import { failureLevel } from '../storage/ports/store-errors.js';

/** The query of a report: `start_date`, `end_date` (`YYYY-MM-DD`) and `projects` (comma-separated names). */
export interface ReportQuery {
  readonly startDate?: string;
  readonly endDate?: string;
  readonly projects?: string;
}

/** Every day a daily series can show: its newest DAILY_POINTS days are kept. */
const ALL_DAYS = { fromDay: '0000-01-01', toDay: '9999-12-31' } as const;

@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);

  constructor(
    @Inject(COUNTERS) private readonly counterStore: CounterStore,
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(SUBSCRIPTIONS) private readonly subscriptionStore: SubscriptionStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(Clock) private readonly clock: Clock,
    private readonly usage: UsageCounter,
    private readonly traffic: TrafficCounter,
    private readonly nodes: NodeSamples,
  ) {}

  /** `GET /metrics` (spec 3.8): every API node's CPU and memory, this node's sampled afresh. */
  async operationalMetrics(): Promise<MetricListDto> {
    return { metrics: allNodeMetrics(await this.nodes.all()) };
  }

  /** `GET /metrics/va_metrics` (spec 3.8, 4.8): the VA report of every project, or of those `projects=` names. */
  async vaMetrics(query: ReportQuery): Promise<VaReportDto> {
    const window = reportWindow(query.startDate, query.endDate, this.clock.now());
    const projects = (await this.namedProjects(query.projects)) ?? (await this.projectStore.listProjects());
    return this.vaReportOf(projects, window);
  }

  /**
   * `GET /users/usageReport` (spec 3.3, 4.8): the VA report of the projects the caller administers (narrowed by
   * `projects`), with the operational metrics. Order of the checks: dates (400), then project names (404).
   */
  async usageReport(caller: Caller, query: ReportQuery): Promise<UsageReportDto> {
    if (caller.user === null) throw AmsError.unauthorized();
    const window = reportWindow(query.startDate, query.endDate, this.clock.now());
    const named = await this.namedProjects(query.projects);
    const wanted = named === null ? null : new Set(named.map((p) => p.uuid));

    const administered = caller.user.projects.filter((m) => m.roles.includes('project_admin'));
    const found = await Promise.all(administered.map((m) => this.projectStore.projectByUuid(m.projectUuid)));
    const projects = found.filter((p): p is ProjectRecord => p !== null && (wanted === null || wanted.has(p.uuid)));
    if (projects.length === 0) return emptyUsageReport();
    return {
      va_metrics: await this.vaReportOf(projects, window),
      operational_metrics: await this.operationalMetrics(),
    };
  }

  /** `GET /projects/P:metrics` (spec 3.8). */
  async projectMetrics(project: ProjectRecord): Promise<MetricListDto> {
    await this.flush(this.usage);
    const all = { size: 0 };
    const [topics, subscriptions, members, daily] = await Promise.all([
      this.topicStore.listTopics(project.uuid, {}, all),
      this.subscriptionStore.listSubscriptions(project.uuid, {}, all),
      this.userStore.listUsers({ projectUuid: project.uuid }, all),
      this.counterStore.dailyCounts({ ...ALL_DAYS, projectUuids: [project.uuid] }),
    ]);
    const access: MemberAccess[] = [];
    const byName = [...(members?.items ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const user of byName) {
      const topicNames = await this.topicStore.aclTopicNames(project.uuid, user.uuid);
      const subscriptionNames = await this.subscriptionStore.aclSubscriptionNames(project.uuid, user.uuid);
      access.push({ user: user.name, topics: topicNames.length, subscriptions: subscriptionNames.length });
    }
    const metrics = projectMetrics(
      { project: project.name, topics: topics?.total ?? 0, subscriptions: subscriptions?.total ?? 0, members: access, daily },
      this.clock.now(),
    );
    return { metrics };
  }

  /**
   * `GET .../topics/T:metrics` (spec 3.8). The publisher ACL rule (spec 2.4) comes first, as in the original, so a
   * publisher asking for a topic that does not exist is refused (403) rather than told (404).
   */
  async topicMetrics(caller: Caller, project: ProjectRecord, name: string): Promise<MetricListDto> {
    const topic = await this.topicStore.topic(project.uuid, name);
    if (caller.roles.has('publisher') && !inAcl(caller, topic?.authorizedUsers)) throw AmsError.forbidden();
    if (topic === null) throw AmsError.notFound('Topic');
    await Promise.all([this.flush(this.usage), this.flush(this.traffic)]);
    const [subscriptions, counters, daily] = await Promise.all([
      this.subscriptionStore.listSubscriptions(project.uuid, { topicName: name }, { size: 0 }),
      this.counterStore.resourceCounters('topic', project.uuid, name, topicIncarnation(topic)),
      this.counterStore.dailyCounts({ ...ALL_DAYS, projectUuids: [project.uuid], topicName: name }),
    ]);
    const figures = { topic: name, subscriptions: subscriptions?.total ?? 0, traffic: trafficOf(counters), daily };
    return { metrics: topicMetrics(figures, this.clock.now()) };
  }

  /** `GET .../subscriptions/S:metrics` (spec 3.8); the consumer ACL rule (spec 2.4) first, as for topics. */
  async subscriptionMetrics(caller: Caller, project: ProjectRecord, name: string): Promise<MetricListDto> {
    const subscription = await this.subscriptionStore.subscription(project.uuid, name);
    if (caller.roles.has('consumer') && !inAcl(caller, subscription?.authorizedUsers)) throw AmsError.forbidden();
    if (subscription === null) throw AmsError.notFound('Subscription');
    await this.flush(this.traffic);
    const incarnation = subscriptionIncarnation(subscription);
    const count = (kind: CountedKind): Promise<ResourceCounters> =>
      this.counterStore.resourceCounters(kind, project.uuid, name, incarnation);
    const traffic = trafficOf(await count('subscription'));
    if (subscription.pushConfig === null) {
      return { metrics: subscriptionMetrics({ subscription: name, traffic }, this.clock.now()) };
    }
    const [delivered, failures, retries] = await Promise.all(PUSH_COUNTED_KINDS.map(count));
    const push = { delivered: delivered.messages, failures: failures.messages, retries: retries.messages };
    return { metrics: subscriptionMetrics({ subscription: name, traffic, push }, this.clock.now()) };
  }

  /** The VA report of these projects over the window, from the daily counters (this node's pending ones written first). */
  private async vaReportOf(projects: readonly ProjectRecord[], window: ReportWindow): Promise<VaReportDto> {
    if (projects.length === 0) return vaReport([], windowDays(window));
    await this.flush(this.usage);
    const filter: DailyCountFilter = {
      projectUuids: projects.map((p) => p.uuid),
      fromDay: utcDay(window.start),
      toDay: utcDay(window.end),
    };
    const messages = new Map((await this.counterStore.messageTotals(filter)).map((t) => [t.projectUuid, t.messages]));
    const usage: ProjectUsage[] = [];
    for (const project of projects) {
      const count = messages.get(project.uuid);
      if (count === undefined) continue; // spec 4.8: only projects with counters in the window
      usage.push({ name: project.name, messages: count, created: await this.counterStore.countCreated(project.uuid, window.start, window.end) });
    }
    return vaReport(usage, windowDays(window));
  }

  /**
   * The projects `projects=` names, in that order without repeats, each of which must exist (404 `Project X doesn't
   * exist`); null when not given.
   */
  private async namedProjects(list: string | undefined): Promise<ProjectRecord[] | null> {
    if (list === undefined || list === '') return null;
    const projects: ProjectRecord[] = [];
    for (const name of new Set(list.split(',').filter((n) => n !== ''))) {
      const project = await this.projectStore.projectByName(name);
      if (project === null) throw AmsError.notFound(`Project ${name}`);
      projects.push(project);
    }
    return projects;
  }

  /**
   * This node's latest counts reach the store before a report reads it, so one node answers exactly (the original
   * counted synchronously); other replicas' counts arrive within a roll-up interval. A failed write only delays them.
   */
  private async flush(counter: UsageCounter | TrafficCounter): Promise<void> {
    try {
      await counter.flush();
    } catch (err) {
      this.logger[failureLevel(err)](`counters not written before a report: ${String(err)}`);
    }
  }
}

/** Whether the caller's user is in the ACL (spec 2.4); a resource that does not exist has no ACL to be in. */
function inAcl(caller: Caller, acl: readonly string[] | undefined): boolean {
  return acl !== undefined && caller.user !== null && acl.includes(caller.user.uuid);
}

function trafficOf(counters: ResourceCounters): Traffic {
  return { messages: counters.messages, bytes: counters.bytes, lastAt: counters.lastAt, rate: ratePerSecond(counters.rateWindow) };
}

/** No project qualifies: zeros, and empty lists of projects and of operational metrics (as the original answers). */
export function emptyUsageReport(): UsageReportDto {
  return {
    va_metrics: vaReport([], 1),
    operational_metrics: { metrics: [] },
  };
}
