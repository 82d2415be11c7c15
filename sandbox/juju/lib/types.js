// @ts-check
// The shapes the emulated juju keeps in its state file (state.js) and passes between its modules.
// Types only: this module has no runtime content.
export {};

/** @typedef {{ current: string, message: string, since: number }} Status */

/**
 * A unit record (lifecycle.js): times in ms since the epoch; null means "never" (a stuck unit).
 * @typedef {{ name: string, ordinal: number, providerId: string, address: string, appearAt: number,
 *   startedAt: number | null, activeAt: number | null, dyingAt?: number, terminatingAt?: number, goneAt?: number | null }} UnitRecord
 */

/**
 * A unit as `juju status` shows it at some instant (lifecycle.js unitView and appView).
 * @typedef {{ name: string, ordinal: number, address: string, providerId: string, phase: string, life: 'alive' | 'dying',
 *   workload: Status, agent: Status }} UnitState
 * @typedef {UnitState & { leader: boolean }} UnitView
 * @typedef {{ workload?: Status, agent?: Status }} UnitActivity what a running action shows on a unit
 */

/** @typedef {{ type: string, default?: string | number | boolean, description: string }} ConfigOption */

/** @typedef {{ 'access-key'?: string, 'secret-key'?: string }} Credentials */

/** @typedef {{ settleMs?: number, dyingMs?: number }} AppTiming */

/**
 * app.mysql of a mysql-k8s application: the configured primary, the cluster statuses create-backup
 * accepts without force, and the S3 block after a restore (true or the charm's message).
 * databases: schema -> table -> row ids (databases.js); blocked: unit -> the Blocked message a
 * failed restore left (mysqld down there); restoredPath: the S3 path of the last restore (rev254+).
 * @typedef {{ primary?: string, healthyStatuses?: string[], s3Blocked?: string | boolean,
 *   databases?: Record<string, Record<string, number[]>>, blocked?: Record<string, string>, restoredPath?: string }} MysqlState
 */

/**
 * @typedef {object} Application
 * @property {string} name
 * @property {string} charm
 * @property {string} channel
 * @property {number} rev
 * @property {{ name: string, channel: string }} base
 * @property {string} providerId
 * @property {string} address
 * @property {boolean} exposed
 * @property {string} [workloadVersion]
 * @property {string} [primaryMessage] what mysql-k8s shows on its primary unit
 * @property {string} activeMessage
 * @property {boolean} trust
 * @property {Record<string, ConfigOption>} options
 * @property {Record<string, unknown>} config
 * @property {number} scale
 * @property {number} [scaledAt]
 * @property {MysqlState} [mysql]
 * @property {boolean} [forceParam] the charm revision declares create-backup's force
 * @property {boolean} [additionalProperties] as declared in the charm's actions.yaml
 * @property {Credentials} [credentials] s3-integrator: the keys sync-s3-credentials set
 * @property {Record<string, number>} [actionTiming]
 * @property {Status} status
 * @property {UnitRecord[]} units
 * @property {AppTiming} [timing]
 */

/**
 * What createJujuModel({ applications }) merges over the default applications (kubeflow.js).
 * @typedef {object} AppSpec
 * @property {string} [charm]
 * @property {string} [channel]
 * @property {number} [rev]
 * @property {string} [base]
 * @property {string} [workloadVersion]
 * @property {string} [primaryMessage]
 * @property {string} [activeMessage]
 * @property {boolean} [trust]
 * @property {Record<string, ConfigOption>} [options]
 * @property {Record<string, unknown>} [config]
 * @property {number} [scale]
 * @property {MysqlState} [mysql]
 * @property {boolean} [forceParam]
 * @property {boolean} [additionalProperties]
 * @property {Credentials} [credentials]
 * @property {Record<string, number>} [actionTiming]
 * @property {AppTiming} [timing]
 */

/**
 * @typedef {{ app: string, endpoint: string, role: string }} Endpoint
 * @typedef {{ id: number, interface: string, endpoints: Endpoint[], data: Record<string, Record<string, string>> }} Relation
 */

/**
 * The S3 parameters the s3-integrator relation hands to mysql-k8s (s3.js s3Parameters).
 * @typedef {{ endpoint: string, bucket: string, region: string, path: string, 'access-key': string, 'secret-key': string,
 *   's3-uri-style': string, 's3-api-version': string, 'storage-class'?: string, attributes?: string, 'tls-ca-chain'?: string }} S3Params
 */

/**
 * An S3 operation of a task (tasks.js): done outside the state lock once it is due.
 * @typedef {{ kind: 'put', key: string, body: string, dueAt: number, done?: boolean, claimedAt?: number, failMessage: string }} PutIo
 * @typedef {{ kind: 'list', dueAt: number, done?: boolean, claimedAt?: number }} ListIo
 * get: reads the object into task.fetched[key]; apply: a restore's effect on the data at its time (restore.js)
 * @typedef {{ kind: 'get', key: string, dueAt: number, done?: boolean, claimedAt?: number, failMessage: string }} GetIo
 * @typedef {{ kind: 'apply', effect: string, dueAt: number, done?: boolean, claimedAt?: number }} ApplyIo
 * @typedef {PutIo | ListIo | GetIo | ApplyIo} TaskIo
 */

/**
 * formatActionResult: the per-task map `juju run` and `juju show-task` print (tasks.js taskView).
 * @typedef {{ id: string, status: string, unit: string, message?: string, results?: Record<string, unknown>,
 *   timing: { enqueued: string, started?: string, completed?: string } }} TaskView
 */

/**
 * A task `juju run` enqueued (tasks.js has its life cycle).
 * @typedef {object} Task
 * @property {string} id
 * @property {string} operation
 * @property {string} unit
 * @property {string} app
 * @property {string} action
 * @property {Record<string, unknown>} params
 * @property {number} enqueuedAt
 * @property {number} [returnCode]
 * @property {number} [startedAt]
 * @property {number | null} [completeAt] null: never
 * @property {string} [status] 'completed' | 'failed' | 'error'
 * @property {string} [message]
 * @property {Record<string, unknown>} [results]
 * @property {string} [stderr]
 * @property {TaskIo[]} [io]
 * @property {S3Params} [s3]
 * @property {string} [runningMessage]
 * @property {boolean} [backup]
 * @property {string} [uploadError]
 * @property {{ at: number, message: string }[]} [phases] the unit's status from each time on, while it runs
 * @property {Record<string, string>} [fetched] what the task's get io read, by key
 */

/**
 * @typedef {object} Model
 * @property {string} uuid
 * @property {string} owner
 * @property {string} type
 * @property {number} createdAt
 * @property {Record<string, Application>} applications
 * @property {Relation[]} relations
 * @property {Task[]} [tasks]
 * @property {number} [nextId]
 */

/**
 * Injected faults (main.js, charm-actions.js, mysql.js and tasks.js describe them).
 * @typedef {object} Faults
 * @property {boolean | string} [unreachable]
 * @property {{ count: number, message?: string }} [failNext]
 * @property {number} [slowMs]
 * @property {Record<string, number>} [slow]
 * @property {Record<string, boolean | string>} [scaleFails]
 * @property {Record<string, boolean>} [neverSettle]
 * @property {Record<string, boolean | string>} [unitErrors]
 * @property {{ message: string, at: string, unit?: string, app?: string, stderr?: string }[]} [createBackupFails]
 * @property {Record<string, boolean>} [switchoverOnBackup]
 * @property {Record<string, boolean>} [backupNeverFinishes]
 * @property {Record<string, string>} [memberStates]
 * @property {Record<string, string>} [clusterStatus]
 * @property {Record<string, boolean>} [clusterStatusUnreadable]
 * @property {Record<string, boolean>} [mysqldDown]
 * @property {Record<string, boolean | string>} [sshFails] juju ssh to the unit (or app) fails with this message
 * @property {Record<string, boolean>} [unitBusy]
 * @property {Record<string, 'download' | 'prepare' | 'empty' | 'move-back' | 'start' | 'post'>} [restoreFails]
 * @property {Record<string, number>} [actionDurations]
 * @property {Record<string, string>} [listBackups]
 * @property {{ action: string, message: string, unit?: string, app?: string, results?: Record<string, unknown> }[]} [actionFails]
 * @property {{ action: string, unit?: string, app?: string, stderr?: string, error?: string }[]} [actionExceptions]
 */

/**
 * The whole state file.
 * @typedef {object} State
 * @property {number} schema
 * @property {string} jujuVersion
 * @property {{ name: string, cloud: string, region: string, address: string }} controller
 * @property {string} currentModel
 * @property {{ settleMs: number, dyingMs: number }} timing
 * @property {number} timeScale
 * @property {Record<string, number>} actionTiming
 * @property {string[]} [mysqlHealthyStatuses]
 * @property {Faults} faults
 * @property {string} minioSecretKey
 * @property {Record<string, Model>} models
 */

/**
 * createJujuModel's options (../index.js).
 * @typedef {object} JujuModelOptions
 * @property {string} [dir] where the state file goes (a new temporary directory by default)
 * @property {string} [model] the model's name, 'kubeflow' by default
 * @property {Record<string, AppSpec | null>} [applications] changes to the default applications: a partial spec
 *   ({ charm, channel, rev, scale, config, timing: { settleMs, dyingMs } }) merged over the default one or a new application;
 *   null removes one
 * @property {number} [settleMs] from scale-application until a new unit is active/idle (600)
 * @property {number} [dyingMs] how long a removed unit stays listed, dying (settleMs / 2)
 * @property {string} [minioSecretKey] the secret minio publishes on object-storage (random by default)
 * @property {string} [controller]
 * @property {string} [jujuVersion]
 * @property {S3Options} [s3] adds s3-kfp and s3-katib (see ../index.js)
 * @property {number} [timeScale] real ms per model ms for action durations and juju's waits (1)
 * @property {Record<string, number>} [actionTiming] model ms per action name, plus pickupMs and failMs
 *   (charm-actions.js DEFAULT_TIMING: create-backup 30 s, ...)
 */

/**
 * @typedef {{ endpoint: string, accessKey?: string, secretKey?: string, bucket?: string, region?: string,
 *   paths?: Record<string, string>, uriStyle?: string }} S3Options
 */

/**
 * What a charm action does when its task starts (charm-actions.js evaluate).
 * @typedef {{ key: string, body: string, at: 'start' | 'end', failMessage: string }} PlannedIo
 * @typedef {{ results?: Record<string, unknown>, s3?: S3Params, io?: PlannedIo[], never?: boolean, failAtEnd?: string,
 *   runningMessage?: string, backup?: boolean, phases?: { message: string, ms: number }[],
 *   steps?: ({ kind: 'get', key: string, at: number, failMessage: string } | { kind: 'apply', effect: string, at: number })[],
 *   failAtMs?: { ms: number, message: string } }} OutcomeDetails
 *   phases: the unit's status messages one after the other (their ms add up to durationMs); steps: io at
 *   model ms from the start; failAtMs: event.fail(message) that far into the run
 * @typedef {{ kind: 'fail', message: string }} FailOutcome
 * @typedef {FailOutcome | (OutcomeDetails & { kind: 'done', durationMs: number, results: Record<string, unknown> })
 *   | (OutcomeDetails & { kind: 'list', durationMs: number, s3: S3Params })} Outcome
 */

/**
 * Command-line options (args.js): `value: true` takes an argument; otherwise it is a boolean option.
 * @typedef {{ names: string[], value?: boolean, default?: string, formats?: string[] }} FlagSpec
 * @typedef {Record<string, string | boolean | undefined>} Flags parsed options keyed by their first long name
 */

/**
 * What a command's run() gets (main.js). ClientContext is for a command that needs no controller:
 * state is undefined when there is no state file.
 * @template {Flags} F
 * @typedef {{ flags: F, args: string[], env: NodeJS.ProcessEnv, now: number, out: (s: string) => void, err: (s: string) => void,
 *   signal?: AbortSignal, readStdin: () => Promise<string> }} BaseContext
 */
/**
 * @template {Flags} F
 * @typedef {BaseContext<F> & { state?: State }} ClientContext
 */
/**
 * @template {Flags} F
 * @typedef {BaseContext<F> & { state: State, stateFile: string, mutate: <T>(fn: (state: State) => T) => T }} ControllerContext
 */

/**
 * A subcommand module's default export (commands/index.js).
 * @template {Flags} [F=Flags]
 * @typedef {{ name: string, aliases?: string[], flags: FlagSpec[], init?(args: string[], flags: F): void }} CommandBase
 */
/**
 * @template {Flags} [F=Flags]
 * @typedef {CommandBase<F> & { needsController: true, run(ctx: ControllerContext<F>): void | number | Promise<void | number> }} ControllerCommand
 */
/**
 * @template {Flags} [F=Flags]
 * @typedef {CommandBase<F> & { needsController: false, run(ctx: ClientContext<F>): void | number | Promise<void | number> }} ClientCommand
 */
/**
 * @template {Flags} [F=Flags]
 * @typedef {ControllerCommand<F> | ClientCommand<F>} Command
 */
