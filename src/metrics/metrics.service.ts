import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Caller } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { Clock, formatSeconds } from '../common/time.js';
import { METADATA_STORE, type MetadataStore } from '../storage/ports/metadata-store.repository.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import type { UsageReportDto } from './dto/usage-report.dto.js';
import { NodeMetrics, nodeMetrics } from './node-metrics.js';
import { UsageCounter, utcDay } from './usage-counter.js';
import { type ProjectUsage, reportWindow, vaReport, windowDays } from './va-report.js';

/** The query of a report: `start_date`, `end_date` (`YYYY-MM-DD`) and `projects` (comma-separated names). */
export interface ReportQuery {
  readonly startDate?: string;
  readonly endDate?: string;
  readonly projects?: string;
}

@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);

  constructor(
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(Clock) private readonly clock: Clock,
    private readonly counter: UsageCounter,
    private readonly node: NodeMetrics,
  ) {}

  /**
   * `GET /users/usageReport` (spec 3.3, 4.8): the VA report of the projects the caller administers (narrowed by
   * `projects`), with this node's operational metrics. Order of the checks: dates (400), then project names (404).
   */
  async usageReport(caller: Caller, query: ReportQuery): Promise<UsageReportDto> {
    if (caller.user === null) throw AmsError.unauthorized();
    const now = this.clock.now();
    const window = reportWindow(query.startDate, query.endDate, now);
    const wanted = await this.namedProjects(query.projects);

    const administered = caller.user.projects.filter((m) => m.roles.includes('project_admin'));
    const found = await Promise.all(administered.map((m) => this.store.projectByUuid(m.projectUuid)));
    const projects = found.filter((p): p is ProjectRecord => p !== null && (wanted === null || wanted.has(p.name)));
    if (projects.length === 0) return emptyUsageReport();

    await this.flushCounts();
    const totals = await this.store.messageTotals({
      projectUuids: projects.map((p) => p.uuid),
      fromDay: utcDay(window.start),
      toDay: utcDay(window.end),
    });
    const messages = new Map(totals.map((t) => [t.projectUuid, t.messages]));
    const usage: ProjectUsage[] = [];
    for (const project of projects) {
      const count = messages.get(project.uuid);
      if (count === undefined) continue; // spec 4.8: only projects with counters in the window
      usage.push({ name: project.name, messages: count, created: await this.store.countCreated(project.uuid, window.start, window.end) });
    }
    return {
      va_metrics: vaReport(usage, windowDays(window)),
      operational_metrics: { metrics: nodeMetrics(this.node.sample(), formatSeconds(now)) },
    };
  }

  /** The names of `projects=`, each of which must exist (404 `Project X doesn't exist`); null when not given. */
  private async namedProjects(list: string | undefined): Promise<Set<string> | null> {
    if (list === undefined || list === '') return null;
    const names = new Set(list.split(',').filter((name) => name !== ''));
    for (const name of names) {
      if ((await this.store.projectByName(name)) === null) throw AmsError.notFound(`Project ${name}`);
    }
    return names;
  }

  /** This node's latest publishes count at once (the original counts synchronously); other replicas' within a flush. */
  private async flushCounts(): Promise<void> {
    try {
      await this.counter.flush();
    } catch (err) {
      this.logger.warn(`daily message counters not written before a report: ${String(err)}`);
    }
  }
}

/** No project qualifies: zeros, and empty lists of projects and of operational metrics (as the original answers). */
export function emptyUsageReport(): UsageReportDto {
  return {
    va_metrics: vaReport([], 1),
    operational_metrics: { metrics: [] },
  };
}
