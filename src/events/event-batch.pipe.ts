import { Injectable, PipeTransform } from '@nestjs/common';
import { createValidationPipe } from '../common/validation';
import { CreateEventBatchDto, isValidEventBatch } from './dto/create-event.dto';

/**
 * Validates a batch of events. Turning 500 events into class instances and validating each with
 * class-validator cost more than storing them, so a good batch (the usual case) passes a direct
 * check of the same rules; a bad one goes through the full validation, whose 400 names every bad
 * field and the index of every bad event.
 */
@Injectable()
export class EventBatchPipe implements PipeTransform<unknown, Promise<CreateEventBatchDto>> {
  private readonly validation = createValidationPipe();

  async transform(body: unknown): Promise<CreateEventBatchDto> {
    if (isValidEventBatch(body)) return body;
    return this.validation.transform(body, { type: 'body', metatype: CreateEventBatchDto });
  }
}
