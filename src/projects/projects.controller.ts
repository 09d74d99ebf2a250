import { Body, Controller, HttpCode, Delete, Get, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Action } from '../auth/action.decorator.js';
import { type Caller, CallerParam, UrlProject } from '../auth/caller.js';
import type { ProjectRecord } from '../storage/ports/records.js';
import { CreateProjectDto, ProjectDto, ProjectListDto, UpdateProjectDto } from './dto/project.dto.js';
import { ProjectsService } from './projects.service.js';

@ApiTags('projects')
@Controller('v1/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  @Action('projects:list')
  @ApiOperation({ summary: 'List all projects (`{}` when there are none)' })
  @ApiOkResponse({ type: ProjectListDto })
  list(): Promise<ProjectListDto> {
    return this.projects.list();
  }

  @Post(':project')
  @HttpCode(200)
  @Action('projects:create')
  @ApiOperation({ summary: 'Create a project' })
  @ApiOkResponse({ type: ProjectDto })
  create(@CallerParam() caller: Caller, @Param('project') name: string, @Body() body: CreateProjectDto): Promise<ProjectDto> {
    return this.projects.create(caller, name, body);
  }

  @Get(':project')
  @Action('projects:show')
  @ApiOperation({ summary: 'A project' })
  @ApiOkResponse({ type: ProjectDto })
  show(@UrlProject() project: ProjectRecord): Promise<ProjectDto> {
    return this.projects.show(project);
  }

  @Put(':project')
  @Action('projects:update')
  @ApiOperation({ summary: 'Change the description or rename a project (empty fields stay unchanged)' })
  @ApiOkResponse({ type: ProjectDto })
  update(@UrlProject() project: ProjectRecord, @Body() body: UpdateProjectDto): Promise<ProjectDto> {
    return this.projects.update(project, body);
  }

  @Delete(':project')
  @Action('projects:delete')
  @ApiOperation({ summary: 'Delete a project with its topics, subscriptions and memberships (empty body)' })
  @ApiOkResponse({ description: 'empty body' })
  delete(@UrlProject() project: ProjectRecord): Promise<void> {
    return this.projects.delete(project);
  }
}
