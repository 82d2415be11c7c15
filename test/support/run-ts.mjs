// node --experimental-transform-types --import ./test/support/run-ts.mjs file.ts: runs this repository's
// TypeScript in a child process without a build (Node 24 transforms the types; this resolves the
// `.js` specifiers the sources use to their `.ts` files). For tests that need a real process.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /^\\.{1,2}\\/.*\\.js$/.test(specifier)) return next(specifier.slice(0, -3) + '.ts', context);
    throw err;
  }
}`),
);
