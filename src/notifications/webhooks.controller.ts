import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Response } from 'express';
import { ErrorDto } from '../common/error.dto';
import { DeliveryDto, DeliveryPageDto, DeliveryQuery } from './dto/delivery.dto';
import { CreateWebhookDto, UpdateWebhookDto, WebhookDto, WebhookIdParams, WebhookListDto } from './dto/webhook.dto';
import { BUSY_RETRY_AFTER_S, ChannelBusyException, NotificationsService } from './notifications.service';
import { toWebhookDto, WebhooksService } from './webhooks.service';

@ApiTags('notifications')
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad field or parameter; `details` names it.' })
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'A change without the token while MC_API_TOKEN is set.' })
@Controller('api/notifications')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly notifications: NotificationsService,
  ) {}

  /** Every webhook channel, by name. Secrets are never shown, only has_secret. */
  @Get('webhooks')
  async list(): Promise<WebhookListDto> {
    return { webhooks: (await this.webhooks.list()).map(toWebhookDto) };
  }

  /** Adds a channel: a URL (http or https), a format (generic, slack, discord) and optionally a secret to sign requests. */
  @Post('webhooks')
  async create(@Body() body: CreateWebhookDto): Promise<WebhookDto> {
    return toWebhookDto(await this.webhooks.create(body));
  }

  @Get('webhooks/:id')
  @ApiNotFoundResponse({ type: ErrorDto })
  async get(@Param() params: WebhookIdParams): Promise<WebhookDto> {
    return toWebhookDto(await this.webhooks.get(params.id));
  }

  /** Changes the fields given; a secret of null removes the secret. */
  @Patch('webhooks/:id')
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'The channel comes from the rule file (MC_ALERT_RULES).' })
  async update(@Param() params: WebhookIdParams, @Body() body: UpdateWebhookDto): Promise<WebhookDto> {
    return toWebhookDto(await this.webhooks.update(params.id, body));
  }

  /** Deletes a channel → the deleted channel. Rules stop notifying it; its pending deliveries fail. */
  @Delete('webhooks/:id')
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'The channel comes from the rule file (MC_ALERT_RULES).' })
  async delete(@Param() params: WebhookIdParams): Promise<WebhookDto> {
    return toWebhookDto(await this.webhooks.delete(params.id));
  }

  /**
   * Sends a test notification now (once, no retry) → the delivery with the receiver's status. It takes one of
   * the channel's 4 connections; with all in use, 429 with Retry-After.
   */
  @Post('webhooks/:id/test')
  @HttpCode(200)
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiTooManyRequestsResponse({
    type: ErrorDto,
    description: 'The channel already has 4 deliveries or tests under way.',
  })
  async test(@Param() params: WebhookIdParams, @Res({ passthrough: true }) response: Response): Promise<DeliveryDto> {
    try {
      return await this.notifications.test(params.id);
    } catch (error) {
      if (error instanceof ChannelBusyException) response.setHeader('Retry-After', String(BUSY_RETRY_AFTER_S));
      throw error;
    }
  }

  /** Every notification sent or to send, with its attempts, newest first. */
  @Get('deliveries')
  deliveries(@Query() query: DeliveryQuery): Promise<DeliveryPageDto> {
    return this.notifications.list(query);
  }
}
