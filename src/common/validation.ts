import { ArgumentMetadata, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { ValidateIf, validateSync, ValidatorOptions } from 'class-validator';
import { isPlainObject } from './json';

/**
 * Deeper bodies are refused before anything walks them: class-transformer
 * recurses, and thousands of levels overflow its stack.
 */
export const MAX_BODY_DEPTH = 64;
/**
 * Keys of one object, and keys and list items of a whole body. class-transformer and class-validator take
 * time that grows faster than the count, with the event loop held, so larger bodies are refused before they
 * run. A full batch of 1,000 events with 95 keys each still fits.
 */
export const MAX_OBJECT_KEYS = 1_000;
export const MAX_BODY_MEMBERS = 100_000;
/** A 400 lists this many problems at most, and says how many it left out. */
export const MAX_LISTED_PROBLEMS = 20;

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
 * so it cannot overflow itself, and allocates no arrays (a stack of [value, depth] pairs took over twice as long).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) return value.some((child) => nestsDeeperThan(child, limit - 1));
  for (const key in value)
    if (Object.hasOwn(value, key) && nestsDeeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

/**
 * What makes a body too big to walk, or null: nesting past MAX_BODY_DEPTH, an object of more than
 * MAX_OBJECT_KEYS keys, or more than MAX_BODY_MEMBERS keys and list items in all. One walk that stops at
 * the first excess, recursing at most MAX_BODY_DEPTH calls deep.
 */
export function bodyShapeProblem(value: unknown): string | null {
  let members = 0;
  const walk = (node: unknown, depthLeft: number): string | null => {
    if (typeof node !== 'object' || node === null) return null;
    if (depthLeft <= 0) return `the body nests deeper than ${MAX_BODY_DEPTH} levels`;
    if (Array.isArray(node)) {
      if ((members += node.length) > MAX_BODY_MEMBERS)
        return `the body has more than ${MAX_BODY_MEMBERS} keys and list items in all`;
      for (const child of node) {
        const problem = walk(child, depthLeft - 1);
        if (problem) return problem;
      }
      return null;
    }
    let keys = 0;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (++keys > MAX_OBJECT_KEYS) return `an object of the body has more than ${MAX_OBJECT_KEYS} keys`;
      if (++members > MAX_BODY_MEMBERS) return `the body has more than ${MAX_BODY_MEMBERS} keys and list items in all`;
      const problem = walk((node as Record<string, unknown>)[key], depthLeft - 1);
      if (problem) return problem;
    }
    return null;
  };
  return walk(value, MAX_BODY_DEPTH);
}

/**
 * Query parameters take one value each: `a=1&a=2` and `a[]=1` (which
 * the parser keeps as a key of its own) are refused, not ignored.
 */
function queryProblems(query: unknown): FieldError[] {
  if (!isPlainObject(query)) return [];
  return Object.entries(query).flatMap(([name, value]): FieldError[] => {
    if (/[[\]]/.test(name))
      return [
        {
          field: name,
          messages: [
            `${name} is not a parameter: parameters take one value each, without brackets (${name.replace(/\[.*$/, '')}=…)`,
          ],
        },
      ];
    if (Array.isArray(value))
      return [{ field: name, messages: [`${name} is given ${value.length} times: it takes one value`] }];
    return [];
  });
}

/**
 * DTO classes whose unknown fields are a 400 rather than dropped:
 * a misspelt field would otherwise change nothing, silently.
 */
const strictClasses = new WeakSet<object>();

export function RefusesUnknownFields(): ClassDecorator {
  return (target) => void strictClasses.add(target);
}

class BoundedValidationPipe extends ValidationPipe {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      const problem = bodyShapeProblem(value);
      if (problem)
        throw new BadRequestException({
          message: `Invalid request: ${problem}`,
          details: [{ field: 'body', messages: [problem] }],
        });
    }
    if (metadata.type === 'query') {
      const problems = queryProblems(value);
      if (problems.length) throw invalidRequest(problems);
    }
    return super.transform(value, metadata);
  }

  protected validate(object: object, options?: ValidatorOptions): Promise<ValidationError[]> | ValidationError[] {
    const strict = strictClasses.has(object.constructor);
    return super.validate(object, strict ? { ...options, forbidNonWhitelisted: true } : options);
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
      const indexes = [
        ...new Set(
          details
            .map((d) => d.field.match(/^\w+\.(\d+)(\.|$)/)?.[1])
            .filter(Boolean)
            .map(Number),
        ),
      ];
      return invalidRequest(details, indexes.length ? { invalid_indexes: indexes } : {});
    },
  });
}

/**
 * The API's 400 for bad fields: a message naming each one, and `details`; at most MAX_LISTED_PROBLEMS
 * messages (a field's repeats said once), with `omitted_problems` counting the rest.
 */
export function invalidRequest(details: FieldError[], extra: Record<string, unknown> = {}): BadRequestException {
  const listed: FieldError[] = [];
  let room = MAX_LISTED_PROBLEMS;
  let omitted = 0;
  for (const d of details) {
    const messages = [...new Set(d.messages)];
    const kept = messages.slice(0, Math.max(room, 0));
    omitted += messages.length - kept.length;
    room -= kept.length;
    if (kept.length) listed.push({ field: d.field, messages: kept });
  }
  const describe = (d: FieldError) =>
    d.field.includes('.') ? `${d.field}: ${d.messages.join(', ')}` : d.messages.join(', ');
  const more = omitted ? `; and ${omitted} more` : '';
  return new BadRequestException({
    message: `Invalid request: ${listed.map(describe).join('; ')}${more}`,
    details: listed,
    ...(omitted ? { omitted_problems: omitted } : {}),
    ...extra,
  });
}

/**
 * For @Transform: a whole number written in decimal, without sign or leading zeros, as a number. Number()
 * would also read `0x10`, `1e3`, `00001` or ` 1`; those stay strings, for the check that follows to refuse.
 */
export const decimalInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^(0|[1-9]\d{0,15})$/.test(value) ? Number(value) : value;

/**
 * Optional, but not nullable: unlike @IsOptional, a null is checked
 * (and refused) rather than let through to a NOT NULL column.
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/**
 * Unknown fields are errors here, not dropped: a misspelt parameter would otherwise silently change what a rule means.
 */
const STRICT = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false };

/** A plain object checked against a class, strictly: the instance, and one entry per bad field (under `prefix`). */
export function strictCheck<T extends object>(
  type: ClassConstructor<T>,
  plain: object,
  prefix = '',
): { value: T; errors: FieldError[] } {
  const value = plainToInstance(type, plain);
  return { value, errors: flatten(validateSync(value, STRICT), prefix) };
}
