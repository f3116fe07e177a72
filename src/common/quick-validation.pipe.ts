import { BadRequestException, PipeTransform, Type } from '@nestjs/common';
import { createValidationPipe } from './validation';

/**
 * Validation for bodies that come often and many to a request (events). Turning them into class
 * instances and running class-validator cost more than storing them, so a body that passes
 * `isValid`, a direct check of the same rules, goes through as it is; any other body gets the app's
 * full validation, whose 400 names every bad field (and item).
 */
export class QuickValidationPipe<T> implements PipeTransform<unknown, Promise<T>> {
  private readonly validation = createValidationPipe();

  /**
   * @param explain the 400 for a body that the full validation lets through but the direct check does
   * not (class-validator takes a list where an object belongs for a nested list); it must name what is wrong.
   */
  constructor(
    private readonly metatype: Type<T>,
    private readonly isValid: (body: unknown) => body is T,
    private readonly explain: (body: unknown) => BadRequestException,
  ) {}

  async transform(body: unknown): Promise<T> {
    if (this.isValid(body)) return body;
    const validated = await this.validation.transform(body, { type: 'body', metatype: this.metatype });
    if (!this.isValid(validated)) throw this.explain(body);
    return validated;
  }
}
