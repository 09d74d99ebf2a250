import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AmsError } from '../common/ams-error.js';
import { Clock } from '../common/time.js';
import { AMS_CONFIG, type AmsConfig } from '../config/config.js';
import { AmsMetrics } from '../metrics/ams-metrics.js';
import { PUSH_WORKER_LEASE_PREFIX } from '../push/push-dispatcher.js';
import { BACKEND_PROBES, type BackendName, type BackendProbe } from '../storage/ports/backend-probe.repository.js';
import { JOB_LEASES, type JobLeaseStore } from '../storage/ports/job-lease-store.repository.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import { StoreUnavailableError } from '../storage/ports/store-errors.js';
import { VERSION } from '../common/version.js';

/** How often the monitor asks every backend, so that the gauge and the log follow an outage nobody requests through. */
export const MONITOR_INTERVAL_MS = 5000;

export interface BackendCheck {
  readonly name: BackendName;
  readonly reachable: boolean;
  /** Round trip of the ping, in milliseconds (up to the adapter's deadline when unreachable). */
  readonly latencyMs: number;
  readonly error?: string;
}

export interface StatusReport {
  readonly status: 'ok' | 'warning' | 'unavailable';
  readonly push_servers?: { endpoint: string; status: string }[];
  readonly push_functionality?: string;
  /** details=true only: */
  readonly store?: string;
  readonly version?: string;
  readonly backends?: { name: string; reachable: boolean; latency_ms: number; error?: string }[];
}

/**
 * The health of the service's dependencies: `/v1/status` answers from a fresh check, and a monitor checks every
 * MONITOR_INTERVAL_MS in between. Each check sets `ams_backend_up{backend}`; the log says when a backend goes down or
 * comes back, once per change, never per failed attempt.
 */
@Injectable()
export class HealthService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly up = new Map<BackendName, boolean>();
  private inFlight: Promise<BackendCheck[]> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Set before the stores close, so that a check failing during shutdown is not reported as an outage. */
  private stopping = false;

  constructor(
    @Inject(BACKEND_PROBES) private readonly probes: readonly BackendProbe[],
    @Inject(AMS_CONFIG) private readonly config: AmsConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(JOB_LEASES) private readonly leases: JobLeaseStore,
    @Inject(USERS) private readonly userStore: UserStore,
    private readonly metrics: AmsMetrics,
  ) {}

  onApplicationBootstrap(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), MONITOR_INTERVAL_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    if (this.timer !== null) clearInterval(this.timer);
  }

  /** Pings every backend at once. Callers arriving while a check runs share it, so probes never pile up. */
  check(): Promise<BackendCheck[]> {
    this.inFlight ??= Promise.all(this.probes.map((probe) => this.ping(probe))).finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /**
   * spec 3.8's body. A backend that does not answer is a 503 naming it (what readiness probes use); with `details`
   * (admins only) the answer is 200 with every backend's reachability and latency, the store and the version, so the
   * report is there when it matters most.
   */
  async status(details: boolean): Promise<StatusReport> {
    const checks = await this.check();
    const down = checks.filter((c) => !c.reachable).map((c) => c.name);
    if (down.length > 0 && !details) throw AmsError.unavailable(`Backend unavailable: ${down.join(', ')}`);
    const extra = details
      ? {
          store: this.config.store,
          version: VERSION,
          backends: checks.map((c) => ({
            name: c.name,
            reachable: c.reachable,
            latency_ms: c.latencyMs,
            ...(c.error === undefined ? {} : { error: c.error }),
          })),
        }
      : {};
    if (down.length > 0) return { status: 'unavailable', ...extra };
    if (!this.config.push.enabled) return { status: 'ok', push_functionality: 'disabled', ...extra };
    // spec 3.8: one entry for our push engine; `warning` when the push worker user is missing (push calls give 500).
    const worker = await this.userStore.userByName(this.config.push.workerUser);
    const ready = worker !== null && worker.serviceRoles.includes('push_worker');
    const push = await this.pushServerStatus();
    return { status: ready ? 'ok' : 'warning', push_servers: [{ endpoint: this.config.push.origin, status: push }], ...extra };
  }

  /** Inline delivery serves with this process; external workers are serving while one renews its heartbeat lease. */
  private async pushServerStatus(): Promise<string> {
    if (this.config.push.worker === 'inline') return 'SERVING';
    const now = this.clock.now();
    const live = (await this.leases.list(PUSH_WORKER_LEASE_PREFIX)).some((lease) => lease.expiresAt > now);
    return live ? 'SERVING' : 'Push server is currently unavailable';
  }

  private async ping(probe: BackendProbe): Promise<BackendCheck> {
    const started = performance.now();
    let error: string | undefined;
    try {
      await probe.ping();
    } catch (err) {
      const cause = err instanceof StoreUnavailableError ? err.cause : err;
      error = cause instanceof Error ? cause.message : String(cause);
    }
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    this.record(probe.backend, error);
    return { name: probe.backend, reachable: error === undefined, latencyMs, ...(error === undefined ? {} : { error }) };
  }

  private record(backend: BackendName, error: string | undefined): void {
    if (this.stopping) return;
    const reachable = error === undefined;
    const before = this.up.get(backend);
    this.up.set(backend, reachable);
    this.metrics.setBackendUp(backend, reachable);
    if (before === reachable) return;
    if (!reachable) this.logger.warn({ backend, error, msg: `${backend} unreachable` });
    else if (before === false) this.logger.log({ backend, msg: `${backend} reachable again` });
  }
}
