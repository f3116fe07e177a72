import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, registerDecorator } from 'class-validator';
import { CONFIG_ID_MESSAGE, CONFIG_ID_PATTERN } from '../../contracts/ids';
import { IsOptionalNotNull, RefusesUnknownFields } from '../../common/validation';
import { WEBHOOK_FORMATS, WebhookFormat } from '../webhook-channel.entity';
import { parseWebhookUrl, URL_MESSAGE } from '../webhook-url';

/** Only http: and https: with a host: no file:, ftp: or anything a request could be turned against. */
export function isWebhookUrl(value: unknown): boolean {
  return parseWebhookUrl(value) !== null;
}

function IsWebhookUrl() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isWebhookUrl',
      target: target.constructor,
      propertyName,
      options: { message: URL_MESSAGE },
      validator: { validate: isWebhookUrl },
    });
}

@RefusesUnknownFields()
export class CreateWebhookDto {
  /** @example "Ops on Slack" */
  @IsString({ message: 'name must be a string' })
  @Length(1, 200, { message: 'name must be 1 to 200 characters' })
  name!: string;

  /**
   * Where to POST: http:// or https:// only; redirects are not followed. Kept normalised (`http://0x7f.1/` as
   * `http://127.0.0.1/`); link-local and cloud metadata addresses are refused unless MC_WEBHOOK_ALLOW_LINK_LOCAL=true.
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

@RefusesUnknownFields()
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
