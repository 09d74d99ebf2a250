import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Caller } from '../auth/caller.js';
import { AmsError } from '../common/ams-error.js';
import { isValidName } from '../common/names.js';
import { Clock, formatSeconds } from '../common/time.js';
import { MESSAGE_LOG, type MessageLog } from '../storage/ports/message-log.repository.js';
import { PROJECTS, type ProjectStore } from '../storage/ports/project-store.repository.js';
import { TOPICS, type TopicStore } from '../storage/ports/topic-store.repository.js';
import { USERS, type UserStore } from '../storage/ports/user-store.repository.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import type { CreateProjectDto, ProjectDto, ProjectListDto, UpdateProjectDto } from './dto/project.dto.js';

@Injectable()
export class ProjectsService {
  constructor(
    @Inject(PROJECTS) private readonly projectStore: ProjectStore,
    @Inject(TOPICS) private readonly topicStore: TopicStore,
    @Inject(USERS) private readonly userStore: UserStore,
    @Inject(MESSAGE_LOG) private readonly log: MessageLog,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async list(): Promise<ProjectListDto> {
    const projects = await this.projectStore.listProjects();
    // spec 3.1: no projects is `{}`, not an empty list.
    return projects.length === 0 ? {} : { projects: await Promise.all(projects.map((p) => this.view(p))) };
  }

  async create(caller: Caller, name: string, body: CreateProjectDto): Promise<ProjectDto> {
    const now = this.clock.now();
    const project: ProjectRecord = {
      uuid: randomUUID(),
      name,
      description: body.description ?? '',
      createdOn: now,
      modifiedOn: now,
      createdBy: caller.user?.uuid ?? null,
    };
    if (!(await this.projectStore.createProject(project))) throw AmsError.alreadyExists('Project');
    return this.view(project);
  }

  show(project: ProjectRecord): Promise<ProjectDto> {
    return this.view(project);
  }

  async update(project: ProjectRecord, body: UpdateProjectDto): Promise<ProjectDto> {
    const name = body.name === undefined || body.name === '' ? undefined : body.name;
    if (name !== undefined && !isValidName(name)) throw AmsError.invalid('Invalid project name');
    const description = body.description === undefined || body.description === '' ? undefined : body.description;
    const outcome = await this.projectStore.updateProject(project.uuid, { name, description, modifiedOn: this.clock.now() });
    if (outcome === 'name-taken') throw AmsError.invalid('invalid project name change, name already exists');
    if (outcome === 'missing') throw AmsError.projectNotFound();
    return this.view(outcome);
  }

  /** Removes the project with its topics (and their logs), subscriptions and memberships (spec 4.5). */
  async delete(project: ProjectRecord): Promise<void> {
    const topics = await this.topicStore.listTopics(project.uuid, {}, { size: 0 });
    await this.projectStore.deleteProject(project.uuid);
    for (const topic of topics?.items ?? []) await this.log.deleteLog(topic.logId);
  }

  private async view(project: ProjectRecord): Promise<ProjectDto> {
    const creator = project.createdBy === null ? null : await this.userStore.userByUuid(project.createdBy);
    return {
      name: project.name,
      created_on: formatSeconds(project.createdOn),
      modified_on: formatSeconds(project.modifiedOn),
      ...(creator === null ? {} : { created_by: creator.name }),
      ...(project.description === '' ? {} : { description: project.description }),
    };
  }
}
