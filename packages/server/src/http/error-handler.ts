// Every error leaves the API as `{ error: { code, message, details? } }` with a stable code and
// the status the code maps to; unexpected failures are logged and answered as `internal`.

import type { FastifyError, FastifyInstance } from 'fastify';
import { statusOf, TollgateError } from '../errors.js';
import { StoreConflictError } from '../stores/store.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

function fromFastify(error: FastifyError): { status: number; body: ErrorBody } | undefined {
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const where = error.validationContext ?? 'body';
    const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const extra = first?.params && 'additionalProperty' in first.params ? String(first.params.additionalProperty) : undefined;
    const missing = first?.params && 'missingProperty' in first.params ? String(first.params.missingProperty) : undefined;
    const field = [where, path, extra ?? missing].filter((part) => part !== undefined && part !== '').join('.');
    const message =
      extra !== undefined
        ? `unknown field \`${extra}\``
        : missing !== undefined
          ? `\`${field}\` is required`
          : `\`${field}\` ${first?.message ?? 'is invalid'}`;
    return {
      status: 400,
      body: errorBody('request.invalid', message, {
        field,
        problems: error.validation.map((v) => `${v.instancePath || where} ${v.message ?? ''}`.trim()),
      }),
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('request.too_large', 'the request body is too large') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('request.unsupported_media_type', 'send JSON with `content-type: application/json`') };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('request.invalid', 'the request body is empty; send a JSON object', { field: 'body' }) };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        body: errorBody(
          'request.invalid',
          `the request body is not valid JSON: ${error.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, '').trim() || 'parse error'}`,
          { field: 'body' },
        ),
      };
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return { status: 400, body: errorBody('request.invalid', `the request body is not valid JSON: ${error.message}`, { field: 'body' }) };
  }
  if (error.statusCode === 429)
    return { status: 429, body: errorBody('request.rate_limited', 'too many requests; slow down and retry later') };
  return undefined;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const thrown: unknown = error;
    if (thrown instanceof TollgateError) {
      const retryAfter = thrown.details?.retry_after;
      const status = statusOf(thrown.code);
      if (status === 429 && typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(status).send(errorBody(thrown.code, thrown.message, thrown.details));
    }
    if (error instanceof StoreConflictError) return reply.status(409).send(errorBody('action.conflict', error.message));
    const known = fromFastify(error);
    if (known !== undefined) return reply.status(known.status).send(known.body);
    // The database is restarting or out of reach: a retry may succeed, so say so (503, Retry-After).
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return reply
        .status(503)
        .header('retry-after', '1')
        .send(errorBody('server.unavailable', 'the database is unavailable; retry shortly'));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorBody('server.internal', 'the server failed to handle this request; it is logged'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('request.not_found', `no route \`${request.method} ${request.url.split('?')[0]}\``));
  });
}
