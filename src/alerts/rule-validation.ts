import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { FieldError, flatten, invalidRequest } from '../common/validation';
import { RuleKind } from './alert-rule.entity';
import { PARAMS_OF } from './dto/rule-params.dto';

/** Unknown fields are errors here, not dropped: a misspelt parameter would otherwise silently change what a rule means. */
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

/** The kind's parameters, checked and without absent ones; errors name them `params.<name>`. */
export function checkParams(
  kind: RuleKind,
  params: Record<string, unknown>,
): { value: Record<string, unknown>; errors: FieldError[] } {
  const { value, errors } = strictCheck(PARAMS_OF[kind], params, 'params');
  return { value: Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)), errors };
}

/** The kind's parameters, or a 400 naming each bad one. */
export function validParams(kind: RuleKind, params: Record<string, unknown>): Record<string, unknown> {
  const { value, errors } = checkParams(kind, params);
  if (errors.length) throw invalidRequest(errors);
  return value;
}

export function unknownChannelErrors(ids: string[]): FieldError[] {
  return ids.length ? [{ field: 'channels', messages: ids.map((id) => `no webhook channel has the id "${id}"`) }] : [];
}
