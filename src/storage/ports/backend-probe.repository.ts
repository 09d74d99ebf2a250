export const BACKEND_PROBES = Symbol('BackendProbes');

/** The servers a store depends on, by the names `/v1/status` and `ams_backend_up{backend}` use. */
export type BackendName = 'sqlite' | 'mongodb' | 'kafka';

/**
 * One dependency of the running store, asked with the cheapest round trip it knows. `ping` rejects (with a
 * StoreUnavailableError) when the dependency does not answer within the adapter's own deadline. The store binds
 * BACKEND_PROBES to one probe per dependency.
 */
export interface BackendProbe {
  readonly backend: BackendName;
  ping(): Promise<void>;
}
