import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

export interface FieldError {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Whitelisting, transforming validation whose 400 names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      // In a list (a batch of events), say which items are bad, not only which fields.
      const indexes = [...new Set(details.map((d) => d.field.match(/^\w+\.(\d+)(\.|$)/)?.[1]).filter(Boolean).map(Number))];
      const describe = (d: FieldError) => (d.field.includes('.') ? `${d.field}: ${d.messages.join(', ')}` : d.messages.join(', '));
      return new BadRequestException({
        message: `Invalid request: ${details.map(describe).join('; ')}`,
        details,
        ...(indexes.length ? { invalid_indexes: indexes } : {}),
      });
    },
  });
}
