// @ts-check
// juju show-unit [options] <unit> [...]
// {"<unit>": {...}} with relation-info, where application-data is what the *other* side published
// (juju/juju PR #13218). For kfp-ui/0 the object-storage entry carries minio's YAML payload under
// "data", which is where the runbook reads the MinIO secret-key. YAML by default.
import { FORMAT_FLAG, MODEL_FLAGS, OUTPUT_FLAG } from '../lib/args.js';
import { JujuError, messages } from '../lib/errors.js';
import { toJson, toYaml } from '../lib/format.js';
import { appView } from '../lib/lifecycle.js';
import { isValidUnitName, relationsOf, resolveModel } from '../lib/model.js';
import { integratorData } from '../lib/s3.js';
import { unitActivity } from '../lib/tasks.js';

/**
 * @typedef {{ model?: string, format: string, output?: string, app?: boolean, endpoint?: string, 'related-unit'?: string }} ShowUnitFlags
 */

/** @type {import('../lib/types.js').ControllerCommand<ShowUnitFlags>} */
export default {
  name: 'show-unit',
  needsController: true,
  flags: [
    ...MODEL_FLAGS,
    FORMAT_FLAG(['json', 'smart', 'yaml'], 'yaml'),
    OUTPUT_FLAG,
    { names: ['app'] },
    { names: ['endpoint'], value: true },
    { names: ['related-unit'], value: true },
  ],
  init(args) {
    if (args.length === 0) throw JujuError.usage('an unit name must be supplied');
    for (const a of args) if (!isValidUnitName(a)) throw JujuError.usage(`unit name "${a}" not valid`);
  },
  run({ flags, args, state, now, out, env }) {
    const { model } = resolveModel(state, flags.model, env);
    /** @type {Record<string, Record<string, unknown>>} */
    const result = {};
    for (const unitName of args) {
      const appName = unitName.slice(0, unitName.lastIndexOf('/'));
      const app = model.applications[appName];
      const view = app && appView(app, now, state.faults, unitActivity(model, now));
      const unit = view?.units.find((u) => u.name === unitName);
      if (!unit) throw new JujuError(messages.unitNotFound(unitName));
      const relationInfo = [];
      for (const { relation, own, other } of relationsOf(model, appName)) {
        if (flags.endpoint && own.endpoint !== flags.endpoint) continue;
        const peers = other === own;
        /** @type {Record<string, { 'in-scope': boolean, data: Record<string, string> }>} */
        const relatedUnits = {};
        if (!flags.app) {
          const remote = peers ? view : appView(model.applications[other.app], now, state.faults);
          for (const ru of remote.units) {
            if (ru.name === unitName || (flags['related-unit'] && ru.name !== flags['related-unit'])) continue;
            relatedUnits[ru.name] = { 'in-scope': ru.life === 'alive', data: unitData(ru) };
          }
        }
        relationInfo.push({
          'relation-id': relation.id,
          endpoint: own.endpoint,
          'related-endpoint': other.endpoint,
          'cross-model': false,
          // The s3 interface's data is what the integrator holds now (config and synced credentials).
          'application-data':
            relation.interface === 's3' && other.app !== appName ? integratorData(model.applications[other.app]) : { ...(relation.data[other.app] ?? {}) },
          ...(flags.app ? {} : { 'local-unit': { 'in-scope': unit.life === 'alive', data: unitData(unit) } }),
          ...(Object.keys(relatedUnits).length ? { 'related-units': relatedUnits } : {}),
        });
      }
      result[unitName] = {
        ...(app.workloadVersion ? { 'workload-version': app.workloadVersion } : {}),
        'opened-ports': [],
        charm: `ch:amd64/${app.charm}-${app.rev}`,
        leader: unit.leader,
        life: unit.life,
        ...(relationInfo.length ? { 'relation-info': relationInfo } : {}),
        'provider-id': unit.providerId,
        address: unit.address,
      };
    }
    out(flags.format === 'json' ? toJson(result) : toYaml(result));
  },
};

/** @param {import('../lib/types.js').UnitView} unit */
function unitData(unit) {
  return { 'egress-subnets': `${unit.address}/32`, 'ingress-address': unit.address, 'private-address': unit.address };
}
