import { OpenAPIObject } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/**
 * A parameter with a default is optional. The Swagger plugin marks every DTO property written without `?`
 * as required, and defaulted ones (`limit: number = 100`) have none, so that the code reads a number.
 * Done on the document rather than by decorators, which would move those parameters to the front.
 */
export function defaultedParametersOptional(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      for (const parameter of item[method]?.parameters ?? []) {
        if ('in' in parameter && parameter.in !== 'path' && parameter.schema && 'default' in parameter.schema)
          parameter.required = false;
      }
    }
  }
  return document;
}
