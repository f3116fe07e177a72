import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Requires } from '../common/access';
import { ErrorDto } from '../common/error.dto';
import { AlertsService } from './alerts.service';
import { AckAlertDto, AlertDto, AlertIdParams, AlertPageDto, AlertQuery } from './dto/alert.dto';

@ApiTags('alerts')
@ApiBadRequestResponse({ type: ErrorDto, description: 'A bad field or parameter; `details` names it.' })
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** Alerts, newest first, with filters and cursor pagination. */
  @Get()
  list(@Query() query: AlertQuery): Promise<AlertPageDto> {
    return this.alerts.list(query);
  }

  /** Acknowledges an alert (who, optional note) and notifies its channels; it still resolves when its condition ends. */
  @Post(':id/ack')
  // Answering an alert is the operator's work; rules and channels stay the admin's.
  @Requires('operator')
  @HttpCode(200)
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'Already acknowledged.' })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'MC_API_TOKEN is set and the request lacks it.' })
  ack(@Param() params: AlertIdParams, @Body() body: AckAlertDto): Promise<AlertDto> {
    return this.alerts.ack(params.id, body);
  }
}
