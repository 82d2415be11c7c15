import { ML_DEFINITIONS, ML_SPEC_VERSION, type SpecSchema } from './ml-spec.js';

/** A request that does not match the ML API spec: the field (dotted path) and what is wrong, as CDP's INVALID_ARGUMENT says it. */
export interface SpecProblem {
  field: string;
  message: string;
}

/**
 * Checks a request body against its definition in the ML API spec (ml.yaml, as cdpcli's
 * validate.py does before sending): unknown fields, missing required ones, wrong types, bad enum
 * values, int32 ranges. Returns every problem, not only the first.
 */
export function checkRequest(definition: string, body: unknown): SpecProblem[] {
  const schema = ML_DEFINITIONS[definition];
  if (!schema) throw new Error(`ml-spec: ${definition} is not among the checked definitions (scripts/gen-ml-spec.js)`);
  const problems: SpecProblem[] = [];
  check(schema, body, '', problems);
  return problems;
}

export { ML_SPEC_VERSION };

function check(schema: SpecSchema, value: unknown, at: string, problems: SpecProblem[]): void {
  if (schema.$ref) {
    const def = ML_DEFINITIONS[schema.$ref.replace('#/definitions/', '')];
    if (!def) throw new Error(`ml-spec: unknown definition ${schema.$ref}`);
    check(def, value, at, problems);
    return;
  }
  if (value === null || value === undefined) return;
  const where = at || 'body';
  const bad = (message: string) => problems.push({ field: where, message });
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return void bad(`Invalid type for field ${where}: expected an object`);
      const record = value as Record<string, unknown>;
      const props = schema.properties ?? {};
      for (const name of schema.required ?? []) {
        const field = at ? `${at}.${name}` : name;
        if (record[name] === undefined || record[name] === null) problems.push({ field, message: `Missing required field: ${field}` });
      }
      for (const [k, v] of Object.entries(record)) {
        const field = at ? `${at}.${k}` : k;
        if (k in props) check(props[k], v, field, problems);
        else if (typeof schema.additionalProperties === 'object') check(schema.additionalProperties, v, field, problems);
        else problems.push({ field, message: `Unknown field: ${field}` });
      }
      return;
    }
    case 'array':
      if (!Array.isArray(value)) return void bad(`Invalid type for field ${where}: expected an array`);
      value.forEach((item, i) => check(schema.items ?? {}, item, `${where}[${i}]`, problems));
      return;
    case 'string':
      if (typeof value !== 'string') return void bad(`Invalid type for field ${where}: expected a string`);
      if (schema.enum && !schema.enum.includes(value)) bad(`Invalid value for field ${where}: ${value} (one of ${schema.enum.join(', ')})`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad(`Invalid type for field ${where}: expected a boolean`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) return void bad(`Invalid type for field ${where}: expected an integer`);
      if (schema.format === 'int32' && ((value as number) < -(2 ** 31) || (value as number) >= 2 ** 31))
        bad(`Invalid value for field ${where}: out of int32 range`);
      return;
    case 'number':
      if (typeof value !== 'number') bad(`Invalid type for field ${where}: expected a number`);
      return;
    default:
      return;
  }
}
