import { FieldError, invalidRequest, strictCheck } from '../common/validation';
import { RuleKind } from '../contracts/alerts';
import { PARAMS_OF } from './dto/rule-params.dto';

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
