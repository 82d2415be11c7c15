// @ts-check
// How juju fails: juju/cmd writes "ERROR <message>" to stderr; a usage error (bad option, bad
// arguments, unknown command) exits 2, a failure while running exits 1.

export class JujuError extends Error {
  /** @param {string} message @param {number} [code] */
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }

  /** @param {string} message */
  static usage(message) {
    return new JujuError(message, 2);
  }
}

export const messages = {
  noControllers:
    'No controllers registered.\n\nPlease either create a new controller using "juju bootstrap" or connect to\nanother controller that you have been given access to using "juju register".',
  /** What juju 3 prints when the controller's API port cannot be reached. */
  /** @param {string} address */
  unreachable: (address) => `opening API connection: unable to connect to API: dial tcp ${address}: connect: connection refused`,
  /** @param {string} controller @param {string} model */
  modelNotFound: (controller, model) => `model ${controller}:${model.includes('/') ? model : `admin/${model}`} not found`,
  /** @param {string} app */
  applicationNotFound: (app) => `application "${app}" not found (not found)`,
  /** @param {string} unit */
  unitNotFound: (unit) => `unit "${unit}" not found (not found)`,
};
