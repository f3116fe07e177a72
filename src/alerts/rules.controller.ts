import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '../common/error.dto';
import { CreateRuleDto, RuleDto, RuleIdParams, RuleListDto, UpdateRuleDto } from './dto/rule.dto';
import { RulesService, toRuleDto } from './rules.service';

const EXAMPLES = {
  agent_offline: {
    value: {
      name: 'Forge offline',
      kind: 'agent_offline',
      params: { agent_id: 'forge', minutes: 10 },
      severity: 'critical',
      channels: ['ops-slack'],
    },
  },
  cost_budget: {
    value: {
      name: 'Daily spend',
      kind: 'cost_budget',
      params: { usd: 25, window: 'day' },
      severity: 'warning',
      cooldown_minutes: 60,
    },
  },
  error_rate: {
    value: { name: 'Failures', kind: 'error_rate', params: { above: 0.25, window_minutes: 60, min_tasks: 5 } },
  },
  event_count: {
    value: { name: 'Errors', kind: 'event_count', params: { event_type: 'error', at_least: 3, window_minutes: 15 } },
  },
  no_backup: { value: { name: 'Backups', kind: 'no_backup', params: { hours: 24 }, severity: 'critical' } },
};

@ApiTags('alerts')
@ApiBadRequestResponse({
  type: ErrorDto,
  description:
    'A bad field: an unknown kind, missing or wrong-typed params (`params.<name>`), an unknown channel; `details` names it.',
})
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'A change without the token while MC_API_TOKEN is set.' })
@Controller('api/alerts/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  /** Every alert rule, by name. */
  @Get()
  async list(): Promise<RuleListDto> {
    return { rules: (await this.rules.all()).map(toRuleDto) };
  }

  /** Adds a rule; it is evaluated at once. */
  @Post()
  @ApiBody({ type: CreateRuleDto, examples: EXAMPLES })
  async create(@Body() body: CreateRuleDto): Promise<RuleDto> {
    return toRuleDto(await this.rules.create(body));
  }

  @Get(':id')
  @ApiNotFoundResponse({ type: ErrorDto })
  async get(@Param() params: RuleIdParams): Promise<RuleDto> {
    return toRuleDto(await this.rules.one(params.id));
  }

  /** Changes the fields given (params as a whole). Disabling a rule resolves its firing alerts. */
  @Patch(':id')
  @ApiBody({
    type: UpdateRuleDto,
    examples: {
      disable: { value: { enabled: false } },
      retune: { value: { params: { minutes: 30 }, cooldown_minutes: 60 } },
    },
  })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'The rule comes from the rule file (MC_ALERT_RULES).' })
  async update(@Param() params: RuleIdParams, @Body() body: UpdateRuleDto): Promise<RuleDto> {
    return toRuleDto(await this.rules.update(params.id, body));
  }

  /** Deletes a rule → the deleted rule. Its firing alerts resolve; its alerts stay in the history. */
  @Delete(':id')
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'The rule comes from the rule file (MC_ALERT_RULES).' })
  async delete(@Param() params: RuleIdParams): Promise<RuleDto> {
    return toRuleDto(await this.rules.delete(params.id));
  }
}
