import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';

/** Deeper bodies are refused before anything walks them: class-transformer recurses, and thousands of levels overflow its stack. */
export const MAX_BODY_DEPTH = 64;

export interface FieldError {
  field: string;
  messages: string[];
}

/** class-validator's errors as one entry per bad field, nested fields as `parent.child`. */
export function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Whether a parsed JSON value nests deeper than `limit` levels. It recurses at most `limit` calls deep,
 * so it cannot overflow itself, and allocates no arrays: an iterative walk with a stack of [value, depth]
 * pairs took about 240 µs for a 500-event batch, this about 90 µs.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) return value.some((child) => nestsDeeperThan(child, limit - 1));
  for (const key in value) if (Object.hasOwn(value, key) && nestsDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

class BoundedValidationPipe extends ValidationPipe {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && nestsDeeperThan(value, MAX_BODY_DEPTH)) {
      const message = `the body nests deeper than ${MAX_BODY_DEPTH} levels`;
      throw new BadRequestException({ message: `Invalid request: ${message}`, details: [{ field: 'body', messages: [message] }] });
    }
    return super.transform(value, metadata);
  }
}

/** Whitelisting, transforming validation whose 400 names every bad field. */
export function createValidationPipe(): ValidationPipe {
  return new BoundedValidationPipe({
    whitelist: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      // In a list (a batch of events), say which items are bad, not only which fields.
      const indexes = [...new Set(details.map((d) => d.field.match(/^\w+\.(\d+)(\.|$)/)?.[1]).filter(Boolean).map(Number))];
      return invalidRequest(details, indexes.length ? { invalid_indexes: indexes } : {});
    },
  });
}

/** The API's 400 for bad fields: a message naming each one, and `details`. */
export function invalidRequest(details: FieldError[], extra: Record<string, unknown> = {}): BadRequestException {
  const describe = (d: FieldError) => (d.field.includes('.') ? `${d.field}: ${d.messages.join(', ')}` : d.messages.join(', '));
  return new BadRequestException({ message: `Invalid request: ${details.map(describe).join('; ')}`, details, ...extra });
}

/** Optional, but not nullable: unlike @IsOptional, a null is checked (and refused) rather than let through to a NOT NULL column. */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
