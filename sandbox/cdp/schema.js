// @ts-check
// Request and response validation against the ML service model (test/vectors/ml.yaml, cdpcli 0.9.158),
// as cdpcli's own validate.py does on the client side: unknown fields, missing required fields, wrong types.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ML_YAML = path.resolve(HERE, '../../test/vectors/ml.yaml');

/** @typedef {{ operation: string, path: string, request: any, response: any }} Operation */

/** Loads ml.yaml once: operations by id, definitions by name. */
export function loadModel(file = ML_YAML) {
  const doc = parse(readFileSync(file, 'utf8'));
  /** @type {Map<string, Operation>} */
  const operations = new Map();
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    const post = /** @type {any} */ (item).post;
    if (!post) continue;
    const body = (post.parameters ?? []).find((/** @type {any} */ x) => x.in === 'body');
    operations.set(post.operationId, {
      operation: post.operationId,
      path: p,
      request: body?.schema ?? { type: 'object' },
      response: post.responses?.[200]?.schema ?? post.responses?.['200']?.schema ?? { type: 'object' },
    });
  }
  return { doc, operations, definitions: doc.definitions ?? {}, version: doc.info?.version };
}

/**
 * Validates `value` against a swagger schema. Returns the first problem as
 * { field, message } (field is the dotted path, e.g. "newWorkspaceParameters.workspaceName"), or undefined.
 * @param {any} schema @param {any} value @param {Record<string, any>} definitions @param {string} [at]
 * @returns {{ field: string, message: string } | undefined}
 */
export function validate(schema, value, definitions, at = '') {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    const def = definitions[name];
    if (!def) throw new Error(`ml.yaml: unknown definition ${name}`);
    return validate(def, value, definitions, at);
  }
  const where = at || 'body';
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (value === null || value === undefined) return undefined;
  switch (type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return { field: where, message: `Invalid type for field ${where}: expected an object` };
      const props = schema.properties ?? {};
      for (const req of schema.required ?? []) {
        if (value[req] === undefined || value[req] === null) {
          const field = at ? `${at}.${req}` : req;
          return { field, message: `Missing required field: ${field}` };
        }
      }
      for (const [k, v] of Object.entries(value)) {
        const field = at ? `${at}.${k}` : k;
        if (!(k in props)) {
          if (schema.additionalProperties) {
            const p = validate(schema.additionalProperties, v, definitions, field);
            if (p) return p;
            continue;
          }
          return { field, message: `Unknown field: ${field}` };
        }
        const p = validate(props[k], v, definitions, field);
        if (p) return p;
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(value)) return { field: where, message: `Invalid type for field ${where}: expected an array` };
      for (let i = 0; i < value.length; i++) {
        const p = validate(schema.items ?? {}, value[i], definitions, `${where}[${i}]`);
        if (p) return p;
      }
      return undefined;
    }
    case 'string':
      if (typeof value !== 'string') return { field: where, message: `Invalid type for field ${where}: expected a string` };
      if (schema.enum && !schema.enum.includes(value)) {
        return { field: where, message: `Invalid value for field ${where}: ${value} (one of ${schema.enum.join(', ')})` };
      }
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) {
        return { field: where, message: `Invalid date-time for field ${where}: ${value}` };
      }
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { field: where, message: `Invalid type for field ${where}: expected a boolean` };
    case 'integer': {
      if (!Number.isInteger(value)) return { field: where, message: `Invalid type for field ${where}: expected an integer` };
      if (schema.format === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) {
        return { field: where, message: `Invalid value for field ${where}: out of int32 range` };
      }
      return undefined;
    }
    case 'number':
      return typeof value === 'number' ? undefined : { field: where, message: `Invalid type for field ${where}: expected a number` };
    default:
      return undefined;
  }
}
