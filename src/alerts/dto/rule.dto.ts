import { ApiExtraModels, ApiProperty, getSchemaPath, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsObject,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';
import { RULE_KINDS, RuleKind, RuleView, SEVERITIES, Severity } from '../../contracts/alerts';
import { CONFIG_ID_MESSAGE, CONFIG_ID_PATTERN } from '../../contracts/ids';
import {
  AgentOfflineParams,
  AgentParams,
  CostBudgetParams,
  ErrorRateParams,
  EventCountParams,
  NoBackupParams,
  NoParams,
} from './rule-params.dto';

const MAX_COOLDOWN_MINUTES = 30 * 24 * 60;

/** A new rule. Absent common fields take their defaults. */
@ApiExtraModels(
  AgentOfflineParams,
  AgentParams,
  CostBudgetParams,
  ErrorRateParams,
  EventCountParams,
  NoBackupParams,
  NoParams,
)
export class CreateRuleDto {
  /** @example "Agent offline" */
  @IsString({ message: 'name must be a string' })
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  name!: string;

  @ApiProperty({ enum: RULE_KINDS, example: 'agent_offline' })
  @IsIn(RULE_KINDS, { message: `kind must be one of: ${RULE_KINDS.join(', ')}` })
  kind!: RuleKind;

  @ApiProperty({
    description:
      'The parameters of the kind: agent_offline {agent_id?, minutes}; agent_error and session_stuck {agent_id?}; cost_budget {agent_id?, usd, window}; error_rate {agent_id?, above, window_minutes, min_tasks}; event_count {event_type, agent_id?, at_least, window_minutes}; no_backup {hours}; backup_failed and health {}.',
    oneOf: [
      AgentOfflineParams,
      AgentParams,
      CostBudgetParams,
      ErrorRateParams,
      EventCountParams,
      NoBackupParams,
      NoParams,
    ].map((model) => ({ $ref: getSchemaPath(model) })),
    example: { minutes: 10 },
    default: {},
  })
  @IsOptionalNotNull()
  @IsObject({ message: 'params must be an object' })
  params?: Record<string, unknown>;

  /** Default true. */
  @IsOptionalNotNull()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiProperty({ enum: SEVERITIES, default: 'warning', required: false })
  @IsOptionalNotNull()
  @IsIn(SEVERITIES, { message: `severity must be one of: ${SEVERITIES.join(', ')}` })
  severity?: Severity;

  /** Minutes since its last notification before a rule opens a new alert for the same subject. Default 15. */
  @IsOptionalNotNull()
  @IsNumber({}, { message: 'cooldown_minutes must be a number' })
  @Min(0, { message: `cooldown_minutes must be from 0 to ${MAX_COOLDOWN_MINUTES}` })
  @Max(MAX_COOLDOWN_MINUTES, { message: `cooldown_minutes must be from 0 to ${MAX_COOLDOWN_MINUTES}` })
  cooldown_minutes?: number;

  /** Whether resolutions are notified too (webhooks and toasts). Default true. */
  @IsOptionalNotNull()
  @IsBoolean({ message: 'notify_resolved must be true or false' })
  notify_resolved?: boolean;

  /**
   * Webhook channel ids to notify. Default none.
   * @example ["ops-slack"]
   */
  @IsOptionalNotNull()
  @IsArray({ message: 'channels must be a list of webhook channel ids' })
  @ArrayMaxSize(20, { message: 'channels must list at most 20 channels' })
  @Matches(CONFIG_ID_PATTERN, { each: true, message: `each of channels ${CONFIG_ID_MESSAGE}` })
  channels?: string[];
}

/** Any of the fields of a new rule; `params` replaces the whole of the rule's params. */
export class UpdateRuleDto extends PartialType(CreateRuleDto, { skipNullProperties: false }) {}

/** An entry of the rule file: a rule with its own id. */
export class FileRuleDto extends CreateRuleDto {
  @Matches(CONFIG_ID_PATTERN, { message: `id ${CONFIG_ID_MESSAGE}` })
  id!: string;
}

export class RuleDto implements RuleView {
  id!: string;
  name!: string;
  @ApiProperty({ enum: RULE_KINDS })
  kind!: RuleKind;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { agent_id: 'forge', minutes: 10 } })
  params!: Record<string, unknown>;
  enabled!: boolean;
  @ApiProperty({ enum: SEVERITIES })
  severity!: Severity;
  cooldown_minutes!: number;
  notify_resolved!: boolean;
  /** Webhook channel ids. */
  channels!: string[];
  /** `file` when it comes from MC_ALERT_RULES: then it is read-only over the API. */
  @ApiProperty({ enum: ['api', 'file'] })
  managed!: 'api' | 'file';
  /** ISO 8601. */
  created_at!: string;
  /** ISO 8601. */
  updated_at!: string;
}

export class RuleListDto {
  /** By name. */
  rules!: RuleDto[];
}

export class RuleIdParams {
  @Matches(CONFIG_ID_PATTERN, { message: `id ${CONFIG_ID_MESSAGE}` })
  id!: string;
}
