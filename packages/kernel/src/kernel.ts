/**
 * The per-node discrete-event kernel: this node's clock, its pending events,
 * sending (routed hop by hop through the link model) and receiving
 * envelopes, local timers, and the event-log hash. Model components (home
 * agent, CPU node, device, workloads) register handlers on it and never see
 * threads, rings or schedulers.
 */
import { CdmsimError, EventQueue, InjectedFault, RunningHash, mix32, type NodeId, type Ps, Rng } from '@cdmsim/engine';
import { BODY_KIND_INDEX, bodyFieldOf, bodyKindOf, newEnvelope, type BodyKind, type EnvelopeBody, type EnvelopeData, type cdmsim } from '@cdmsim/proto';
import { OutgoingLinks, payloadBytes, type RoutingTable } from '@cdmsim/bus';
import type { NodeSpec, Topology } from '@cdmsim/config';
import { reactionDelaysPs, receiverOf, type Port } from './message-ports.js';
import { TraceRecorder } from './trace.js';

/** A queued event: an arriving envelope or a local timer. */
interface SimEvent {
  readonly timePs: Ps;
  readonly tie: number;
  readonly src: number;
  readonly seq: number;
  readonly env?: cdmsim.Envelope | EnvelopeData;
  /** Body kind of `env`, found once when the envelope is queued. */
  readonly kind?: BodyKind;
  readonly action?: () => void;
  /** Event-log code: body kind index for envelopes, a hash of the timer's name for timers. */
  readonly code: number;
  /** Timer name (for traces). */
  readonly name?: string;
  /** Least time before this event's handler may send or schedule anything (its kind's declared reaction; 0 for timers and forwards). */
  readonly reactPs: Ps;
  /** The neighbour this event transmits to and nothing else (a forward, a `sendAt` timer), -1 when unknown. */
  readonly hop: number;
  /** When `hop` ≥ 0: the declared reaction there (0 unless the envelope is for `hop` itself). */
  readonly hopReactPs: Ps;
}

/** Thrown when a handler sends or schedules sooner than its body kind's declared reaction (`MESSAGE_PORTS` reactsAfter): the lookahead the deterministic engine relies on would be wrong. */
export class ReactionViolation extends CdmsimError {
  override readonly name = 'ReactionViolation';
}

const timerCodes = new Map<string, number>();

/** Stable event-log code of a timer name (1000 + a hash: never equal to a body kind index). */
function timerCode(name: string): number {
  let code = timerCodes.get(name);
  if (code === undefined) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = mix32(h, name.charCodeAt(i));
    code = 1000 + (h % 1_000_000);
    timerCodes.set(name, code);
  }
  return code;
}

/** A handler for one body kind. */
export type EnvelopeHandler = (env: cdmsim.Envelope | EnvelopeData) => void;

/** Body of an envelope to send: its txn (optional) and exactly one body field. */
export type Body = EnvelopeBody;

/** Counters of one node's kernel (plain data). */
export interface KernelStats {
  eventsProcessed: number;
  timersFired: number;
  messagesSent: number;
  messagesReceived: number;
  messagesForwarded: number;
  lastEventPs: Ps;
  byKindReceived: Partial<Record<BodyKind, number>>;
}

/**
 * Where a kernel puts the envelopes it transmits to a next hop: the
 * worker's ring transport (another worker's node), or straight into the
 * next hop's kernel when it lives in the same worker.
 */
export interface Outbox {
  /** Hands `env` (its `arriveTimePs` and `hopSrc` set for this hop) to neighbour `next`. */
  post(next: NodeId, env: EnvelopeData): void;
}

/** How far `runWithin` may go: events before `ps`, and at `ps` too when `inclusive`. Mutable: the caller may lower it while events run. */
export interface RunBound {
  ps: Ps;
  inclusive: boolean;
}

/** What a kernel needs to exist. */
export interface KernelOptions {
  readonly topology: Topology;
  readonly self: NodeId;
  readonly seed: number;
  readonly routing: RoutingTable;
  readonly outbox: Outbox;
  /** Throw an injected error when this many events were processed (fault-injection tests). */
  readonly crashAfterEvents?: number;
  /** Receives workload progress (`done` of `total` units) for progress bars. */
  readonly onWork?: (done: number, total: number) => void;
  /** Record a Perfetto trace of at most this many events (default: no trace). */
  readonly traceEvents?: number;
  /** Called with an event's time before it runs (timeline sampling). */
  readonly beforeEvent?: (timePs: Ps) => void;
}

/** The discrete-event kernel of one node. */
export class NodeKernel {
  readonly self: NodeId;
  readonly spec: NodeSpec;
  readonly topology: Topology;
  readonly seed: number;
  readonly rng: Rng;
  readonly links: OutgoingLinks;
  readonly stats: KernelStats = {
    eventsProcessed: 0,
    timersFired: 0,
    messagesSent: 0,
    messagesReceived: 0,
    messagesForwarded: 0,
    lastEventPs: 0,
    byKindReceived: {},
  };
  readonly #queue = new EventQueue<SimEvent>();
  #running = false;
  readonly #hash = new RunningHash();
  readonly #handlers = new Map<BodyKind, EnvelopeHandler>();
  readonly #routing: RoutingTable;
  readonly #outbox: Outbox;
  readonly #crashAfterEvents: number;
  readonly #onWork: (done: number, total: number) => void;
  readonly #beforeEvent: ((timePs: Ps) => void) | undefined;
  /** The node's trace, when the run records one. */
  readonly trace: TraceRecorder | undefined;
  #nowPs: Ps = 0;
  #seq = 0;
  #txn = 0;
  /** Earliest arrival per next hop (by node id) among envelopes sent since the last `takeSentArrivals()`; +Infinity = none. */
  readonly #minSentArrivalByHop: Float64Array;
  /** Per next hop: the earliest time an envelope sent since the last `takeSentArrivals()` may make it send (arrival + its declared reaction there). */
  readonly #minSentReactionByHop: Float64Array;
  /** Declared reaction of every node (by node id) to every body kind (by `BODY_KIND_INDEX`). */
  readonly #reactions: readonly Float64Array[];
  /** While an envelope of a kind with a declared reaction is handled: nothing may be sent, nor scheduled, before this time. */
  #quietUntilPs: Ps = 0;

  constructor(options: KernelOptions) {
    this.self = options.self;
    this.topology = options.topology;
    this.spec = options.topology.nodes[options.self]!;
    this.seed = options.seed;
    this.rng = new Rng(options.seed, options.self + 1);
    this.links = new OutgoingLinks(options.topology, options.self);
    this.#minSentArrivalByHop = new Float64Array(options.topology.nodes.length).fill(Number.POSITIVE_INFINITY);
    this.#minSentReactionByHop = new Float64Array(options.topology.nodes.length).fill(Number.POSITIVE_INFINITY);
    this.#reactions = options.topology.nodes.map((spec) => reactionDelaysPs(spec));
    this.#routing = options.routing;
    this.#outbox = options.outbox;
    this.#crashAfterEvents = options.crashAfterEvents ?? Number.POSITIVE_INFINITY;
    this.#onWork = options.onWork ?? (() => undefined);
    this.#beforeEvent = options.beforeEvent;
    this.trace = options.traceEvents ? new TraceRecorder(options.self, this.spec.name, options.traceEvents) : undefined;
  }

  /** Reports workload progress: `done` of `total` units on this node (display only). */
  reportWork(done: number, total: number): void {
    this.#onWork(done, total);
  }

  /** Current simulated time of this node. */
  get nowPs(): Ps {
    return this.#nowPs;
  }

  /**
   * Registers `port`'s handler of a body kind: one handler per kind per
   * node, and only the port the protocol names (`MESSAGE_PORTS`).
   * @throws CdmsimError when `kind` already has a handler or another port receives it.
   */
  on(kind: BodyKind, port: Port, handler: EnvelopeHandler): void {
    const receiver = receiverOf(kind);
    if (receiver !== port) throw new CdmsimError(`node ${this.spec.name}: ${kind} is received by the ${receiver} port, not the ${port}`);
    if (this.#handlers.has(kind)) throw new CdmsimError(`node ${this.spec.name}: two handlers for ${kind}`);
    this.#handlers.set(kind, handler);
  }

  /** Returns a fresh transaction id, unique on this node. */
  newTxn(): number {
    return ++this.#txn;
  }

  /** Returns the seeded tie of this node's sequence number `seq`. */
  #tieOf(seq: number): number {
    return mix32(this.seed, (this.self << 22) ^ seq);
  }

  /**
   * Runs `action` at simulated time `atPs` (≥ now) on this node. `name`
   * says what the timer is for; it enters the event log and the trace.
   */
  at(atPs: Ps, name: string, action: () => void): void {
    this.#schedule(atPs, name, action, -1, 0);
  }

  /**
   * Sends `body` to node `dst` at `atPs` (≥ now), under transaction `txn`
   * (default `body.txn`, else 0): a timer named `name` whose only action
   * is that send. Unlike a timer that sends, its destination is known
   * while it waits, so the deterministic engine bounds what it causes
   * through its next hop alone and widens the other nodes' windows.
   */
  sendAt(atPs: Ps, name: string, dst: NodeId, body: Body, txn = body.txn ?? 0): void {
    // Sending to itself reaches no other node first: no narrower bound than a plain timer's.
    const hop = dst === this.self ? -1 : this.#routing.nextHop(this.self, dst).next;
    const kind = bodyFieldOf(body);
    const hopReactPs = dst === hop ? this.#reactions[hop]![BODY_KIND_INDEX[kind]]! : 0;
    this.#schedule(atPs, name, () => this.#send(dst, body, txn, kind), hop, hopReactPs);
  }

  #schedule(atPs: Ps, name: string, action: () => void, hop: number, hopReactPs: Ps): void {
    if (atPs < this.#nowPs) throw new CdmsimError(`node ${this.spec.name}: timer at ${atPs} ps is before now (${this.#nowPs} ps)`);
    if (atPs < this.#quietUntilPs) throw new ReactionViolation(`node ${this.spec.name}: timer '${name}' at ${atPs} ps, sooner than the running handler's declared reaction allows (${this.#quietUntilPs} ps)`);
    const seq = ++this.#seq;
    this.#queue.push({ timePs: atPs, tie: this.#tieOf(seq), src: this.self, seq, action, code: timerCode(name), name, reactPs: 0, hop, hopReactPs });
  }

  /** Runs `action` `delayPs` from now. */
  after(delayPs: Ps, name: string, action: () => void): void {
    this.at(this.#nowPs + delayPs, name, action);
  }

  /**
   * Sends `body` to node `dst` now, under transaction `txn` (default
   * `body.txn`, else 0). The envelope is routed hop by hop; this node
   * charges the first link. Returns the envelope's sequence number.
   */
  send(dst: NodeId, body: Body, txn = body.txn ?? 0): number {
    return this.#send(dst, body, txn, bodyFieldOf(body));
  }

  /** `send` of a body whose kind (`bodyFieldOf`) the caller already found. */
  #send(dst: NodeId, body: Body, txn: number, kind: BodyKind): number {
    if (this.#nowPs < this.#quietUntilPs) throw new ReactionViolation(`node ${this.spec.name}: a send to node ${dst} at ${this.#nowPs} ps, sooner than the running handler's declared reaction allows (${this.#quietUntilPs} ps)`);
    const seq = ++this.#seq;
    const tie = this.#tieOf(seq);
    const env = newEnvelope(this.self, dst, this.#nowPs, seq, tie, txn, kind, body);
    this.stats.messagesSent++;
    if (dst === this.self) {
      const code = BODY_KIND_INDEX[kind];
      this.#queue.push({ timePs: this.#nowPs, tie, src: this.self, seq, env, kind, code, reactPs: this.#reactions[this.self]![code]!, hop: -1, hopReactPs: 0 });
      return seq;
    }
    this.#transmit(env, kind);
    return seq;
  }

  #transmit(env: EnvelopeData, kind: BodyKind): void {
    const hop = this.#routing.nextHop(this.self, env.dst as NodeId);
    const arrive = this.links.transmit(this.#nowPs, hop.link, payloadBytes(env, kind), kind);
    env.arriveTimePs = arrive;
    env.hopSrc = this.self;
    this.trace?.flowOut(this.#nowPs, kind, `${env.src}:${env.seq}:${hop.next}`);
    if (arrive < this.#minSentArrivalByHop[hop.next]!) this.#minSentArrivalByHop[hop.next] = arrive;
    const reacts = env.dst === hop.next ? arrive + this.#reactions[hop.next]![BODY_KIND_INDEX[kind]]! : arrive;
    if (reacts < this.#minSentReactionByHop[hop.next]!) this.#minSentReactionByHop[hop.next] = reacts;
    this.#outbox.post(hop.next, env);
  }

  /** Queues an envelope arriving at this node (from an incoming ring, or handed over in the same worker) at `arriveTimePs`. */
  deliver(env: cdmsim.Envelope | EnvelopeData): void {
    const kind = bodyKindOf(env);
    const code = BODY_KIND_INDEX[kind];
    const forMe = env.dst === this.self;
    // A forward leaves toward a known neighbour, and only there may it make a node react.
    const hop = forMe ? -1 : this.#routing.nextHop(this.self, env.dst as NodeId).next;
    this.#queue.push({
      timePs: env.arriveTimePs ?? 0,
      tie: env.tie ?? 0,
      src: env.src ?? 0,
      seq: env.seq ?? 0,
      env,
      kind,
      code,
      reactPs: forMe ? this.#reactions[this.self]![code]! : 0,
      hop,
      hopReactPs: env.dst === hop ? this.#reactions[hop]![code]! : 0,
    });
  }

  /**
   * Writes into `out[i]`, for every node i, a lower bound on when anything
   * caused by this node's pending events can arrive at i (+Infinity when
   * nothing can), with `d` the run's lower bounds between nodes
   * (`horizonDistances`, n × n for n = `out.length`): an event at t with
   * declared reaction r gives t + r + D[self][i]; an event known to transmit
   * only to neighbour h (a forward, a `sendAt` timer) gives t + D[self][h] at h
   * and, at any other node, that plus h's declared reaction (when the
   * envelope is for h) plus D[h][i]. Envelopes still in flight toward this
   * node are not counted (their senders report them, `takeSentArrivals`).
   */
  sendBoundsPs(d: Float64Array, out: Float64Array): void {
    const n = out.length;
    const self = this.self;
    out.fill(Number.POSITIVE_INFINITY);
    let worst = Number.POSITIVE_INFINITY;
    this.#queue.scan((ev) => {
      // An event no earlier than every bound found cannot lower one, nor can the events after it.
      if (ev.timePs >= worst) return false;
      // Through the hop when there is one (bound there, then its reaction and onward), else straight from here.
      const h = ev.hop;
      const from = h < 0 ? self : h;
      const atHop = h < 0 ? 0 : ev.timePs + d[self * n + h]!;
      const t = h < 0 ? ev.timePs + ev.reactPs : atHop + ev.hopReactPs;
      worst = 0;
      for (let i = 0; i < n; i++) {
        const bound = Math.min(out[i]!, i === h ? atHop : t + d[from * n + i]!);
        out[i] = bound;
        if (bound > worst) worst = bound;
      }
      return true;
    });
  }

  /** Time of the earliest pending event, +Infinity when none. */
  nextEventPs(): Ps {
    return this.#queue.peekTime();
  }

  /** Number of pending events. */
  get pendingEvents(): number {
    return this.#queue.size;
  }

  /**
   * Calls `visit(neighbour, arrivalPs, sendPs)` for each neighbour that
   * envelopes were sent toward since the last call: their earliest
   * arrival, and the earliest time one of them may make the neighbour send
   * (arrival plus the declared reaction there), then forgets them.
   * Deterministic rounds publish these as in-flight events.
   */
  takeSentArrivals(visit: (neighbour: NodeId, arrivalPs: Ps, sendPs: Ps) => void): void {
    const earliest = this.#minSentArrivalByHop;
    const reacts = this.#minSentReactionByHop;
    for (let next = 0; next < earliest.length; next++) {
      const t = earliest[next]!;
      if (t === Number.POSITIVE_INFINITY) continue;
      visit(next as NodeId, t, reacts[next]!);
      earliest[next] = Number.POSITIVE_INFINITY;
      reacts[next] = Number.POSITIVE_INFINITY;
    }
  }

  /**
   * Processes every pending event earlier than `endPs`, in order. In free
   * mode an event may be older than the clock (it arrived late): it then
   * runs at the current time. Returns the number of events processed.
   */
  runUntil(endPs: Ps, maxEvents = Number.POSITIVE_INFINITY): number {
    let n = 0;
    this.#running = true;
    while (n < maxEvents && this.#queue.peekTime() < endPs) {
      this.#process(this.#queue.pop()!);
      n++;
    }
    this.#running = false;
    return n;
  }

  /**
   * Processes pending events in order while `bound` admits the next one:
   * its time is before `bound.ps`, or equal to it when `bound.inclusive`.
   * The bound is read before every event, so the caller may lower it while
   * the events run (the sequential engine does, as this node sends to
   * others). Returns the number of events processed.
   */
  runWithin(bound: RunBound): number {
    let n = 0;
    this.#running = true;
    for (;;) {
      const t = this.#queue.peekTime();
      if (!(t < bound.ps || (bound.inclusive && t === bound.ps && t !== Number.POSITIVE_INFINITY))) break;
      this.#process(this.#queue.pop()!);
      n++;
    }
    this.#running = false;
    return n;
  }

  /** True while `runUntil` or `runWithin` runs, and after an event threw out of it: tells a worker hosting several nodes which one failed. */
  get running(): boolean {
    return this.#running;
  }

  #process(ev: SimEvent): void {
    this.#beforeEvent?.(Math.max(ev.timePs, this.#nowPs));
    if (ev.timePs > this.#nowPs) this.#nowPs = ev.timePs;
    const s = this.stats;
    s.eventsProcessed++;
    s.lastEventPs = this.#nowPs;
    this.#hash.add(this.#nowPs).add(ev.src).add(ev.seq).add(ev.code);
    if (s.eventsProcessed >= this.#crashAfterEvents) {
      throw new InjectedFault(`injected crash on node ${this.spec.name} at event ${s.eventsProcessed} (t=${this.#nowPs} ps)`);
    }
    if (ev.action) {
      s.timersFired++;
      this.trace?.slice(this.#nowPs, ev.name ?? 'timer', 'timer', { seq: ev.seq });
      ev.action();
      return;
    }
    const env = ev.env!;
    const kind = ev.kind!;
    if (this.trace) {
      if (env.src !== this.self) this.trace.flowIn(this.#nowPs, kind, `${env.src}:${env.seq}:${this.self}`);
      this.trace.slice(this.#nowPs, env.dst === this.self ? kind : `forward ${kind}`, 'message', { src: env.src ?? 0, dst: env.dst ?? 0, seq: env.seq ?? 0, txn: env.txn ?? 0 });
    }
    if (env.dst !== this.self) {
      s.messagesForwarded++;
      this.#transmit(env as EnvelopeData, kind);
      return;
    }
    s.messagesReceived++;
    s.byKindReceived[kind] = (s.byKindReceived[kind] ?? 0) + 1;
    const handler = this.#handlers.get(kind);
    if (!handler) throw new CdmsimError(`node ${this.spec.name}: no handler for ${kind} from node ${env.src}`);
    if (ev.reactPs === 0) {
      handler(env);
      return;
    }
    // A late event (free mode) keeps its reaction from the time it runs.
    this.#quietUntilPs = this.#nowPs + ev.reactPs;
    handler(env);
    this.#quietUntilPs = 0;
  }

  /** Digest of every event processed so far, in processing order. */
  eventLogHash(): string {
    return this.#hash.hex();
  }
}
