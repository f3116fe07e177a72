import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, registerDecorator } from 'class-validator';
import { CONFIG_ID_MESSAGE, CONFIG_ID_PATTERN } from '../../alerts/dto/rule.dto';
import { IsOptionalNotNull } from '../../common/validation';
import { WEBHOOK_FORMATS, WebhookFormat } from '../webhook-channel.entity';

const URL_MESSAGE = 'url must be an http:// or https:// URL with a host, at most 2048 characters, without a user name or password';

/** Only http: and https: with a host: no file:, ftp: or anything a request could be turned against. */
export function isWebhookUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function IsWebhookUrl() {
  return (target: object, propertyName: string) =>
    registerDecorator({ name: 'isWebhookUrl', target: target.constructor, propertyName, options: { message: URL_MESSAGE }, validator: { validate: isWebhookUrl } });
}

export class CreateWebhookDto {
  /** @example "Ops on Slack" */
  @IsString({ message: 'name must be a string' })
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  name!: string;

  /**
   * Where to POST: http:// or https:// only; redirects are not followed.
   * @example "https://hooks.slack.com/services/T000/B000/XXXX"
   */
  @IsWebhookUrl()
  url!: string;

  @ApiProperty({ enum: WEBHOOK_FORMATS, default: 'generic', required: false })
  @IsOptionalNotNull()
  @IsIn(WEBHOOK_FORMATS, { message: `format must be one of: ${WEBHOOK_FORMATS.join(', ')}` })
  format?: WebhookFormat;

  /** Signs every request (X-MC-Signature). Write-only: answers only say `has_secret`. Null removes it. */
  @IsOptional()
  @IsString({ message: 'secret must be a string' })
  @Length(8, 512, { message: 'secret must be 8 to 512 characters' })
  secret?: string | null;

  /** Default true. */
  @IsOptionalNotNull()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;
}

export class UpdateWebhookDto extends PartialType(CreateWebhookDto, { skipNullProperties: false }) {}

/** A channel of the rule file: its own id; `url_env` and `secret_env` are resolved before this is checked. */
export class FileWebhookDto extends CreateWebhookDto {
  @Matches(CONFIG_ID_PATTERN, { message: `id ${CONFIG_ID_MESSAGE}` })
  id!: string;
}

export class WebhookDto {
  id!: string;
  name!: string;
  /**
   * Up to its first path segment: what follows often holds credentials (Slack, Discord), so it is not shown.
   * @example "https://hooks.slack.com/services/…"
   */
  url!: string;
  @ApiProperty({ enum: WEBHOOK_FORMATS })
  format!: WebhookFormat;
  enabled!: boolean;
  /** Whether requests are signed; the secret itself is never returned. */
  has_secret!: boolean;
  /** `file` when it comes from MC_ALERT_RULES: then it is read-only over the API. */
  @ApiProperty({ enum: ['api', 'file'] })
  managed!: 'api' | 'file';
  /** ISO 8601. */
  created_at!: string;
  /** ISO 8601. */
  updated_at!: string;
}

export class WebhookListDto {
  /** By name. */
  webhooks!: WebhookDto[];
}

export class WebhookIdParams {
  @Matches(CONFIG_ID_PATTERN, { message: `id ${CONFIG_ID_MESSAGE}` })
  id!: string;
}
