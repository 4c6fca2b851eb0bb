// Request validation: bodies are checked strictly (unknown fields are errors, "5" is not 5),
// while query strings and path parameters, which are always text, are converted to their types.

import { Ajv, type Options } from 'ajv';
import type { FastifyInstance } from 'fastify';

const COMMON: Options = { allErrors: false, removeAdditional: false, useDefaults: false, strict: false };

export function installValidation(app: FastifyInstance): void {
  const strict = new Ajv({ ...COMMON, coerceTypes: false });
  const coercing = new Ajv({ ...COMMON, coerceTypes: true });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
}
