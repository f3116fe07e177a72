import { PipeTransform, Type } from '@nestjs/common';
import { createValidationPipe } from './validation';

/**
 * Validation for bodies that come often and many to a request (events). Turning them into class
 * instances and running class-validator cost more than storing them, so a body that passes
 * `isValid`, a direct check of the same rules, goes through as it is; any other body gets the app's
 * full validation, whose 400 names every bad field (and item).
 */
export class QuickValidationPipe<T> implements PipeTransform<unknown, Promise<T>> {
  private readonly validation = createValidationPipe();

  constructor(
    private readonly metatype: Type<T>,
    private readonly isValid: (body: unknown) => body is T,
  ) {}

  async transform(body: unknown): Promise<T> {
    if (this.isValid(body)) return body;
    return this.validation.transform(body, { type: 'body', metatype: this.metatype });
  }
}
