import { isISO8601, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * ISO 8601 that JavaScript's Date reads as well. class-validator takes week dates (2026-W48-7) and
 * ordinal dates (2026-330) too, which Date cannot read: `new Date(x).toISOString()` would throw later.
 */
export function isReadableIsoDate(value: unknown, strictSeparator = false): value is string {
  return (
    typeof value === 'string' && isISO8601(value, { strict: true, strictSeparator }) && !Number.isNaN(Date.parse(value))
  );
}

/** Validates a date or date-time parameter by isReadableIsoDate. */
export function IsReadableIsoDate(validationOptions: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isReadableIsoDate', validator: { validate: (value) => isReadableIsoDate(value) } },
    validationOptions,
  );
}
