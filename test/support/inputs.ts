// Inputs as the runner hands them to an action (INPUT_<NAME> variables), and the error a config
// reader gives for them: what the input tests of every action share.
import { inputVar } from '../../sandbox/index.js';

export const inputEnv = (inputs: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVar(name), value]));

/** The message readConfig throws for these inputs; a test fails if it throws none. */
export const problemsOf =
  (readConfig: (env: Record<string, string>) => unknown) =>
  (inputs: Record<string, string>): string => {
    try {
      readConfig(inputEnv(inputs));
    } catch (err) {
      return String((err as Error).message);
    }
    throw new Error('no input error');
  };
