// What GitHub keeps across the runs of one repository, for runs that overlap: concurrency groups
// (one in progress and at most one pending per group; a newer pending one cancels the older, and
// cancel-in-progress cancels the one in progress) and environments whose jobs wait for a reviewer.

interface Holder {
  /** "run 2", "run 2 job mlmd" */
  label: string;
  cancel: (reason: string) => void;
}

interface Pending extends Holder {
  resolve: (lease: Lease | undefined) => void;
}

export interface Lease {
  release(): void;
}

interface Review {
  run: string;
  job: string;
  environment: string;
  decide: (approved: boolean) => void;
}

export class Repository {
  /** What happened, in order: "run 2 job mlmd: holds ckf-backup-kubeflow-mlmd", ... */
  readonly events: string[] = [];
  private readonly groups = new Map<string, { holder?: Holder; pending?: Pending }>();
  private readonly reviews: Review[] = [];
  private readonly protectedEnvironments: Set<string>;
  private readonly watchers: (() => void)[] = [];

  /** protectedEnvironments: the environments with required reviewers. */
  constructor(options: { protectedEnvironments?: string[] } = {}) {
    this.protectedEnvironments = new Set(options.protectedEnvironments ?? []);
  }

  /**
   * Resolves with a lease once the holder may run in the group, or undefined when it was cancelled
   * while pending (a newer request for the group took its place).
   */
  acquire(group: string, holder: Holder, cancelInProgress: boolean): Promise<Lease | undefined> {
    const slot = this.groups.get(group) ?? {};
    this.groups.set(group, slot);
    const lease = (h: Holder): Lease => {
      this.note(`${h.label}: holds ${group}`);
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          this.note(`${h.label}: releases ${group}`);
          slot.holder = undefined;
          const next = slot.pending;
          slot.pending = undefined;
          if (next) {
            slot.holder = next;
            next.resolve(lease(next));
          }
        },
      };
    };
    if (!slot.holder) {
      slot.holder = holder;
      return Promise.resolve(lease(holder));
    }
    const reason = `Canceling since a higher priority waiting request for '${group}' exists`;
    if (cancelInProgress) {
      this.note(`${slot.holder.label}: cancelled (${reason})`);
      slot.holder.cancel(reason);
    }
    if (slot.pending) {
      this.note(`${slot.pending.label}: cancelled while pending (${reason})`);
      slot.pending.resolve(undefined);
    }
    this.note(`${holder.label}: pending on ${group} (held by ${slot.holder.label})`);
    return new Promise((resolve) => {
      slot.pending = { ...holder, resolve };
    });
  }

  /** Resolves true once a reviewer approves (at once for an unprotected environment), false when rejected. */
  review(run: string, job: string, environment: string): Promise<boolean> {
    if (!this.protectedEnvironments.has(environment)) return Promise.resolve(true);
    this.note(`run ${run} job ${job}: waiting for a review of ${environment}`);
    return new Promise((resolve) => {
      this.reviews.push({ run, job, environment, decide: resolve });
      this.notify();
    });
  }

  /** The jobs waiting for a reviewer now. */
  get waiting(): { run: string; job: string; environment: string }[] {
    return this.reviews.map(({ run, job, environment }) => ({ run, job, environment }));
  }

  approve(run: string, environment: string): void {
    this.decide(run, environment, true);
  }

  reject(run: string, environment: string): void {
    this.decide(run, environment, false);
  }

  /** Resolves once a job of the run waits for a review of the environment (at most timeoutMs). */
  whenWaiting(run: string, environment: string, timeoutMs = 120_000): Promise<void> {
    const found = () => this.reviews.some((r) => r.run === run && r.environment === environment);
    return new Promise((resolve, reject) => {
      if (found()) return resolve();
      const timer = setTimeout(() => reject(new Error(`run ${run} did not wait for a review of ${environment} within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (!found()) return this.watchers.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.watchers.push(check);
    });
  }

  private decide(run: string, environment: string, approved: boolean): void {
    const i = this.reviews.findIndex((r) => r.run === run && r.environment === environment);
    if (i < 0) throw new Error(`no job of run ${run} waits for a review of ${environment}`);
    const [review] = this.reviews.splice(i, 1);
    this.note(`run ${run} job ${review.job}: ${environment} ${approved ? 'approved' : 'rejected'}`);
    review.decide(approved);
  }

  private note(event: string): void {
    this.events.push(event);
  }

  private notify(): void {
    for (const check of this.watchers.splice(0)) check();
  }
}
