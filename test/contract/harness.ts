/**
 * What a contract suite needs from a backend: a port implementation and a way to release it. Each backend's spec file
 * (`<backend>.contract.spec.ts`) opens its adapters and hands them to the suites of this folder. A suite opens one
 * harness and runs all its cases on it, each with fresh random names; a store of its own per harness (a temp file, a
 * fresh database) keeps other test files' writes out of its lists.
 */
export interface Harness<T> {
  readonly port: T;
  /** Releases the backend's resources (connections, files, temp directories). */
  close(): Promise<void>;
}

export type OpenHarness<T> = () => Promise<Harness<T>>;
