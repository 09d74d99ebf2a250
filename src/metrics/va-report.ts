import { AmsError } from '../common/ams-error.js';
import type { CreatedCounts } from '../storage/ports/records.js';
import type { VaReportDto } from './dto/usage-report.dto.js';

/** The instants a report covers, both included. */
export interface ReportWindow {
  readonly start: Date;
  readonly end: Date;
}

/** What the report shows of one project that has messages in the window. */
export interface ProjectUsage {
  readonly name: string;
  readonly messages: number;
  readonly created: CreatedCounts;
}

const DAY_MS = 24 * 3600 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` exactly (Go's layout `2006-01-02`: fixed widths, a real calendar day), as UTC midnight; else null. */
export function parseReportDate(text: string): Date | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [year, month, day] = m.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

/**
 * The window of `start_date` / `end_date` (spec 4.8): defaults 1970-01-01 and now; checked before the end is extended
 * to 23:59:59 of its day, which the counters and creation times are then compared with.
 */
export function reportWindow(startDate: string | undefined, endDate: string | undefined, now: Date): ReportWindow {
  let start = new Date(0);
  if (startDate !== undefined && startDate !== '') {
    const parsed = parseReportDate(startDate);
    if (parsed === null) throw AmsError.invalid('Start date is not in valid format');
    start = parsed;
  }
  let end = now;
  if (endDate !== undefined && endDate !== '') {
    const parsed = parseReportDate(endDate);
    if (parsed === null) throw AmsError.invalid('End date is not in valid format');
    end = parsed;
  }
  if (start.getTime() > end.getTime()) throw AmsError.invalid('Start date cannot be after the end date');
  const endOfDay = new Date(end.getTime());
  endOfDay.setUTCHours(23, 59, 59, 0);
  return { start, end: endOfDay };
}

/** Whole days of the window, the first one included: 1 for a single date, 31 for Aug 1 to Aug 31. */
export function windowDays(window: ReportWindow): number {
  return Math.floor((window.end.getTime() - window.start.getTime()) / DAY_MS) + 1;
}

/** Messages per day rounded up to 2 decimals, with the original's float arithmetic (spec 4.8). */
export function averageDaily(messages: number, days: number): number {
  return Math.ceil((messages / days) * 100) / 100;
}

/** The VA report of the projects with messages in the window, in the order given; totals sum the listed projects. */
export function vaReport(projects: readonly ProjectUsage[], days: number): VaReportDto {
  const report: VaReportDto = {
    projects_metrics: { projects: [], total_message_count: 0, average_daily_messages: 0 },
    total_users_count: 0,
    total_topics_count: 0,
    total_subscriptions_count: 0,
  };
  for (const p of projects) {
    const average = averageDaily(p.messages, days);
    report.projects_metrics.projects.push({
      project: p.name,
      message_count: p.messages,
      average_daily_messages: average,
      topics_count: p.created.topics,
      subscriptions_count: p.created.subscriptions,
      users_count: p.created.users,
    });
    report.projects_metrics.total_message_count += p.messages;
    // The original adds up the rounded averages of the projects, not the total's average.
    report.projects_metrics.average_daily_messages += average;
    report.total_users_count += p.created.users;
    report.total_topics_count += p.created.topics;
    report.total_subscriptions_count += p.created.subscriptions;
  }
  return report;
}
