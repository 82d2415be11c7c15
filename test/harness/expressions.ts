// ${{ }} expressions, evaluated with GitHub's own parser and evaluator (@actions/expressions). Which
// contexts and functions a field allows comes from the schemas @actions/workflow-parser validates
// workflows and actions with, so an expression that GitHub would reject is rejected here too.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { data, Evaluator, ExpressionError, Lexer, Parser } from '@actions/expressions';
import { Binary, FunctionCall, Grouping, IndexAccess, Logical, Unary, type Expr } from '@actions/expressions/ast';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';

/** A mistake in the workflow or action, or a feature the harness does not emulate: the run stops. */
export class HarnessError extends Error {
  override name = 'HarnessError';
}

export type Schema = 'workflow' | 'action';

/** The status functions' values where an expression is evaluated. */
export interface Status {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}

export interface Scope {
  schema: Schema;
  /** The workflow-parser schema definition of the field, for example step-if or step-with. */
  definition: string;
  /** Context values as plain JS (or already expression data). */
  contexts: Record<string, unknown>;
  status?: Status;
  /** Where the expression is, for error messages. */
  where: string;
}

const statusFunctions = ['success', 'failure', 'cancelled', 'always'];
const schemaDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/@actions/workflow-parser/dist');
const schemaFiles: Record<Schema, string> = { workflow: 'workflow-v1.0.min.json', action: 'action-v1.0.min.json' };
const schemas = new Map<Schema, Record<string, { context?: string[] }>>();

/** Named contexts and functions GitHub allows in a field. */
export function allowedIn(schema: Schema, definition: string): { contexts: string[]; functions: string[] } {
  let definitions = schemas.get(schema);
  if (!definitions) {
    definitions = JSON.parse(readFileSync(path.join(schemaDir, schemaFiles[schema]), 'utf8')).definitions as Record<string, { context?: string[] }>;
    schemas.set(schema, definitions);
  }
  const list = definitions[definition]?.context;
  if (!list) throw new Error(`the ${schema} schema has no expression context for ${definition}`);
  return {
    contexts: list.filter((c) => !c.includes('(')),
    functions: list.filter((c) => c.includes('(')).map((c) => c.slice(0, c.indexOf('(')).toLowerCase()),
  };
}

function isData(value: unknown): value is data.ExpressionData {
  return typeof value === 'object' && value !== null && 'kind' in value && 'primitive' in value;
}

/** Plain JS (strings, numbers, booleans, null, arrays, objects) to expression data. */
export function toData(value: unknown): data.ExpressionData {
  if (isData(value)) return value;
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  if (typeof value === 'object') {
    return new data.Dictionary(...Object.entries(value).map(([key, v]) => ({ key, value: toData(v) })));
  }
  throw new Error(`cannot use a ${typeof value} in an expression context`);
}

/** Evaluates one expression (the text between ${{ and }}). */
export function evaluate(expression: string, scope: Scope): data.ExpressionData {
  const { tree, names, functions } = parse(expression, scope);
  const context = new data.Dictionary(...names.map((key) => ({ key, value: toData(scope.contexts[key]) })));
  const status = scope.status;
  const impl = new Map<string, FunctionDefinition>(
    functions.map((name) => {
      const call = () => {
        if (!status) throw new Error(`${name}() has no status to report in ${scope.where}`);
        return new data.BooleanData(name === 'always' ? true : status[name as keyof Status]);
      };
      return [name, { name, minArgs: 0, maxArgs: 0, call }];
    }),
  );
  return new Evaluator(tree, context, impl).evaluate();
}

function parse(expression: string, scope: Scope): { tree: Expr; names: string[]; functions: string[] } {
  const allowed = allowedIn(scope.schema, scope.definition);
  const names = allowed.contexts.filter((name) => name in scope.contexts);
  const functions = allowed.functions.filter((name) => statusFunctions.includes(name));
  let tree: Expr | undefined;
  try {
    const infos = functions.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
    tree = new Parser(new Lexer(expression).lex().tokens, names, infos).parse();
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    const name = /'([^']*)'$/.exec(e.message)?.[1]?.toLowerCase() ?? '';
    const known = allowed.contexts.map((c) => c.toLowerCase()).includes(name) || allowed.functions.includes(name);
    const hint = known
      ? `'${name}' is valid here on GitHub, but the workflow harness does not emulate it`
      : `contexts available here: ${names.join(', ')}; status functions: ${functions.map((f) => `${f}()`).join(', ') || 'none'}`;
    throw new HarnessError(`${scope.where}: ${e.message} in \${{ ${expression} }} (${hint})`);
  }
  if (!tree) throw new HarnessError(`${scope.where}: empty expression \${{ ${expression} }}`);
  return { tree, names, functions };
}

type Part = { literal: string } | { expression: string };

/** Splits text at ${{ }}, as GitHub's template reader does (a }} inside a 'string literal' does not close). */
function splitTemplate(text: string, where: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${{', i);
    if (start < 0) {
      parts.push({ literal: text.slice(i) });
      break;
    }
    if (start > i) parts.push({ literal: text.slice(i, start) });
    let j = start + 3;
    let inString = false;
    for (; j < text.length; j++) {
      if (text[j] === "'") inString = !inString;
      else if (!inString && text.startsWith('}}', j)) break;
    }
    if (j >= text.length) throw new HarnessError(`${where}: unclosed \${{ in ${JSON.stringify(text)}`);
    const expression = text.slice(start + 3, j).trim();
    if (!expression) throw new HarnessError(`${where}: empty \${{ }} in ${JSON.stringify(text)}`);
    parts.push({ expression });
    i = j + 2;
  }
  return parts;
}

/** A template string as one expression: itself when it is a single ${{ }}, else format('...', ...). */
function templateExpression(text: string, where: string): string {
  const parts = splitTemplate(text, where);
  if (parts.length === 1 && 'expression' in parts[0]) return parts[0].expression;
  const args: string[] = [];
  let format = '';
  for (const part of parts) {
    if ('literal' in part) format += part.literal.replace(/[{}]/g, '$&$&');
    else format += `{${args.push(part.expression) - 1}}`;
  }
  return `format('${format.replace(/'/g, "''")}', ${args.map((a) => `(${a})`).join(', ')})`;
}

/** A YAML value that may hold ${{ }} templates, evaluated. Values without ${{ are taken literally. */
export function evaluateValue(value: unknown, scope: Scope): data.ExpressionData {
  if (typeof value !== 'string' || !value.includes('${{')) return toData(value);
  return evaluate(templateExpression(value, scope.where), scope);
}

/** A field GitHub converts to a string (with:, env:, run:, outputs). */
export function evaluateString(value: unknown, scope: Scope): string {
  if (value !== null && typeof value === 'object')
    throw new HarnessError(`${scope.where}: expected a string, found a YAML ${Array.isArray(value) ? 'sequence' : 'mapping'}`);
  const result = evaluateValue(value, scope);
  if (result.kind === data.Kind.Array || result.kind === data.Kind.Dictionary) {
    throw new Error(`${scope.where}: the expression gives an ${result.kind === data.Kind.Array ? 'array' : 'object'}, not a string`);
  }
  return result.coerceString();
}

export function evaluateBoolean(value: unknown, scope: Scope): boolean {
  const result = evaluateValue(value, scope);
  if (result.kind === data.Kind.Boolean) return result.coerceString() === 'true';
  if (result.kind === data.Kind.String && /^(true|false)$/i.test(result.coerceString())) return /^true$/i.test(result.coerceString());
  throw new Error(`${scope.where}: expected a boolean, got ${JSON.stringify(result, data.replacer)}`);
}

export function evaluateNumber(value: unknown, scope: Scope): number {
  const n = evaluateValue(value, scope).number();
  if (Number.isNaN(n)) throw new Error(`${scope.where}: expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/** Every value of a mapping (env:, with:, outputs:) as a string. */
export function evaluateMap(map: unknown, scope: Scope): Record<string, string> {
  if (map === undefined || map === null) return {};
  if (typeof map !== 'object' || Array.isArray(map)) throw new HarnessError(`${scope.where}: expected a mapping`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) out[key] = evaluateString(value, { ...scope, where: `${scope.where}.${key}` });
  return out;
}

function hasStatusFunction(tree: Expr): boolean {
  if (tree instanceof FunctionCall) {
    return statusFunctions.includes(tree.functionName.lexeme.toLowerCase()) || tree.args.some(hasStatusFunction);
  }
  if (tree instanceof Binary) return hasStatusFunction(tree.left) || hasStatusFunction(tree.right);
  if (tree instanceof Unary) return hasStatusFunction(tree.expr);
  if (tree instanceof Logical) return tree.args.some(hasStatusFunction);
  if (tree instanceof Grouping) return hasStatusFunction(tree.group);
  if (tree instanceof IndexAccess) return hasStatusFunction(tree.expr) || hasStatusFunction(tree.index);
  return false;
}

/**
 * An `if:` condition: with or without ${{ }}; empty means success(), and a condition without a status
 * function is read as `success() && (condition)`, as workflow-parser's convertToIfCondition does.
 */
export function evaluateIf(condition: unknown, scope: Scope): boolean {
  let expression = condition === undefined || condition === null ? '' : String(condition).trim();
  if (expression.includes('${{')) expression = templateExpression(expression, scope.where);
  if (!expression) expression = 'success()';
  else if (!hasStatusFunction(parse(expression, scope).tree)) expression = `success() && (${expression})`;
  return truthy(evaluate(expression, scope));
}
