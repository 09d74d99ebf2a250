import type { OrphanCounts, ProjectRecord, UpdateOutcome } from './records.js';

export const PROJECTS = Symbol('ProjectStore');

export type ProjectPatch = Partial<Pick<ProjectRecord, 'name' | 'description'>> & { modifiedOn: Date };

/**
 * Projects, and what goes with a project's life: its delete removes everything of it in the other aggregates, and the
 * house-keeping sweep removes what a delete interrupted by a crash left behind. Creates answer false when the name is
 * taken. `ping` checks that the metadata backend answers (health, spec 5.1).
 */
export interface ProjectStore {
  ping(): Promise<void>;
  createProject(project: ProjectRecord): Promise<boolean>;
  projectByName(name: string): Promise<ProjectRecord | null>;
  projectByUuid(uuid: string): Promise<ProjectRecord | null>;
  /** In creation order (spec 3.1: store order). */
  listProjects(): Promise<ProjectRecord[]>;
  updateProject(uuid: string, patch: ProjectPatch): Promise<UpdateOutcome<ProjectRecord>>;
  /**
   * Removes the project with its topics, subscriptions (and their leases), schemas, daily and resource counters and
   * every user's membership in it.
   */
  deleteProject(uuid: string): Promise<boolean>;
  /**
   * Removes the topics, subscriptions, schemas and counters of projects that no longer exist, and the memberships
   * users hold in them: what a project delete interrupted by a crash, or a write racing with it, leaves behind. A
   * project that exists at the moment of the sweep keeps everything (uuids are never reused).
   */
  removeOrphans(): Promise<OrphanCounts>;
}
