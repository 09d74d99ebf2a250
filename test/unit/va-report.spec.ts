import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmsError } from '../../src/common/ams-error.js';
import {
  averageDaily,
  parseReportDate,
  type ProjectUsage,
  reportWindow,
  vaReport,
  windowDays,
} from '../../src/metrics/va-report.js';

const NOW = new Date('2024-03-05T10:00:05.123Z');
const created = (topics: number, subscriptions: number, users: number) => ({ topics, subscriptions, users });

function invalid(message: string): (err: unknown) => boolean {
  return (err) => err instanceof AmsError && err.code === 400 && err.status === 'INVALID_ARGUMENT' && err.message === message;
}

describe('parseReportDate: Go layout 2006-01-02 (spec 1.6)', () => {
  const good: [string, string][] = [
    ['2024-03-01', '2024-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['1970-01-01', '1970-01-01T00:00:00.000Z'],
    ['0099-12-31', '0099-12-31T00:00:00.000Z'],
  ];
  for (const [text, iso] of good) {
    it(`${text} -> ${iso}`, () => assert.equal(parseReportDate(text)?.toISOString(), iso));
  }
  const bad = ['', '2024-3-01', '2024-03-1', '24-03-01', '2024-13-01', '2024-00-10', '2024-02-30', '2023-02-29', '2024-04-31',
    '2024-03-00', '2024-03-01T00:00:00Z', ' 2024-03-01', '2024/03/01', 'yesterday', '+2024-03-01'];
  for (const text of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseReportDate(text), null));
  }
});

describe('reportWindow (spec 4.8)', () => {
  it('defaults: 1970-01-01 to the end of today', () => {
    const w = reportWindow(undefined, undefined, NOW);
    assert.equal(w.start.toISOString(), '1970-01-01T00:00:00.000Z');
    assert.equal(w.end.toISOString(), '2024-03-05T23:59:59.000Z');
  });

  it('empty parameters are absent ones', () => {
    assert.deepEqual(reportWindow('', '', NOW), reportWindow(undefined, undefined, NOW));
  });

  it('extends the end date to 23:59:59 of its day', () => {
    const w = reportWindow('2024-03-01', '2024-03-02', NOW);
    assert.equal(w.start.toISOString(), '2024-03-01T00:00:00.000Z');
    assert.equal(w.end.toISOString(), '2024-03-02T23:59:59.000Z');
  });

  it('one day: start equals end', () => {
    const w = reportWindow('2024-03-01', '2024-03-01', NOW);
    assert.equal(w.end.toISOString(), '2024-03-01T23:59:59.000Z');
  });

  it('a start date after today without end date is after the end', () => {
    assert.throws(() => reportWindow('2024-03-06', undefined, NOW), invalid('Start date cannot be after the end date'));
    assert.equal(reportWindow('2024-03-05', undefined, NOW).start.toISOString(), '2024-03-05T00:00:00.000Z');
  });

  it('400s, start checked first, then end, then their order', () => {
    assert.throws(() => reportWindow('2024-02-30', 'nope', NOW), invalid('Start date is not in valid format'));
    assert.throws(() => reportWindow('2024-03-01', '2024-3-2', NOW), invalid('End date is not in valid format'));
    assert.throws(() => reportWindow('2024-03-02', '2024-03-01', NOW), invalid('Start date cannot be after the end date'));
  });
});

describe('windowDays: floor((end - start) / 24h) + 1', () => {
  const cases: [string, string, number][] = [
    ['2024-03-01', '2024-03-01', 1],
    ['2024-03-01', '2024-03-02', 2],
    ['2024-08-01', '2024-08-31', 31],
    ['2024-01-01', '2024-12-31', 366],
    ['1970-01-01', '1970-01-10', 10],
  ];
  for (const [start, end, days] of cases) {
    it(`${start} .. ${end}: ${days}`, () => assert.equal(windowDays(reportWindow(start, end, NOW)), days));
  }
  it('the default window counts from 1970-01-01 to today', () => {
    assert.equal(windowDays(reportWindow(undefined, undefined, NOW)), 19787 + 1);
  });
});

describe('averageDaily: ceil(count / days * 100) / 100 in float64 (spec 4.8)', () => {
  const cases: [number, number, number][] = [
    [0, 5, 0],
    [10, 1, 10],
    [5, 2, 2.5],
    [5, 3, 1.67], // 1.666.. rounds up
    [4, 3, 1.34],
    [1, 3, 0.34],
    [27, 1000, 0.03], // the original's documented example
    [1, 19788, 0.01], // anything above zero shows
    // float64 quirks the original has too: 7/100*100 = 7.000000000000001, 11/10*100 = 110.00000000000001
    [7, 100, 0.08],
    [11, 10, 1.11],
  ];
  for (const [count, days, average] of cases) {
    it(`${count} messages / ${days} days -> ${average}`, () => assert.equal(averageDaily(count, days), average));
  }
});

describe('vaReport', () => {
  it('no project: zeros and an empty list', () => {
    assert.deepEqual(vaReport([], 7), {
      projects_metrics: { projects: [], total_message_count: 0, average_daily_messages: 0 },
      total_users_count: 0,
      total_topics_count: 0,
      total_subscriptions_count: 0,
    });
  });

  it('lists the projects in the order given; totals sum them; the total average sums the rounded averages', () => {
    const projects: ProjectUsage[] = [
      { name: 'ARGO', messages: 5, created: created(2, 3, 1) },
      { name: 'ARGO-2', messages: 4, created: created(1, 0, 4) },
    ];
    assert.deepEqual(vaReport(projects, 3), {
      projects_metrics: {
        projects: [
          { project: 'ARGO', message_count: 5, average_daily_messages: 1.67, topics_count: 2, subscriptions_count: 3, users_count: 1 },
          { project: 'ARGO-2', message_count: 4, average_daily_messages: 1.34, topics_count: 1, subscriptions_count: 0, users_count: 4 },
        ],
        total_message_count: 9,
        // 1.67 + 1.34, not ceil(9 / 3 * 100) / 100 = 3
        average_daily_messages: 1.67 + 1.34,
      },
      total_users_count: 5,
      total_topics_count: 3,
      total_subscriptions_count: 3,
    });
  });
});
