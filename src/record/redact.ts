// Keeps secrets (API keys, tokens, passwords) out of everything bench writes and out of the text handed
// to the model under test. One Redactor is built per run; text() sits on the hot path (every event line,
// every tool result), so all matching goes through one regex compiled in the constructor.
//
// A secret is matched not only raw but in the encodings it takes on its way into files: JSON string
// escaping (once, and twice for JSON carried inside a JSON string), base64 (including inside a longer
// base64 run, as in `Authorization: Basic base64(user:token)`), URL encoding, HTML and CSV quoting.

export interface SecretSource {
  name: string;
  value: string;
}

// Redacting a short or common value would mangle unrelated text everywhere it appears.
const MIN_SECRET_LENGTH = 8;
// Base64 fragments shorter than this would match ordinary base64 data by chance.
const MIN_FORM_LENGTH = 8;
const COMMON_VALUES = new Set(['true', 'false', 'null', 'undefined']);
const PURE_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const SECRET_NAME = /_(?:KEY|TOKEN|SECRET|PASSWORD|PASS|PAT|CREDENTIALS)$|^(?:PASSWORD|TOKEN|SECRET)$/i;
// A replacement can only recreate a secret if the secret spans the `[redacted:...]` marker itself; a few
// passes settle any such case, and past that the text is withheld rather than risk writing the secret.
const MAX_PASSES = 4;
const WITHHELD = '[redacted: text withheld]';

export class Redactor {
  /** Names of the secrets it knows, sorted (never the values). */
  readonly names: string[];
  /** Every form of every secret, mapped to the name its matches are replaced with. */
  private readonly nameOf: Map<string, string>;
  /** Finds the leftmost secret form; null when there are no secrets. */
  private readonly any: RegExp | null;
  /** Same alternation inside a lookahead, so overlapping occurrences (two secrets sharing text) are all seen. */
  private readonly scan: RegExp | null;

  /** Redacts nothing; frozen, names included, so it cannot become shared mutable state. */
  static readonly none: Redactor = (() => {
    const r = new Redactor([]);
    Object.freeze(r.names);
    Object.freeze(r);
    return r;
  })();

  /**
   * Secrets from an environment: OPENAI_API_KEY, the variables named in BENCH_SECRETS (comma- or
   * space-separated), `extraNames`, every variable whose name marks it as secret (…_KEY, …_TOKEN,
   * …_SECRET, …_PASSWORD, …_PASS, …_PAT, …_CREDENTIALS, or exactly PASSWORD/TOKEN/SECRET), plus
   * explicit `values`. Names match case-insensitively, as Windows environments do.
   */
  static fromEnv(env: NodeJS.ProcessEnv, opts: { extraNames?: string[]; values?: SecretSource[] } = {}): Redactor {
    const listed = typeof env.BENCH_SECRETS === 'string' ? env.BENCH_SECRETS.split(/[\s,]+/) : [];
    const wanted = new Set(['OPENAI_API_KEY', ...listed, ...(opts.extraNames ?? [])].filter((n) => n !== '').map((n) => n.toUpperCase()));
    const secrets: SecretSource[] = [];
    for (const [name, value] of Object.entries(env)) {
      if (typeof value === 'string' && (wanted.has(name.toUpperCase()) || SECRET_NAME.test(name))) secrets.push({ name, value });
    }
    return new Redactor([...secrets, ...(opts.values ?? [])]);
  }

  /** Values that are too short or too common to be secrets (see isRedactable) are dropped. */
  /** The secrets as given (kept to build a redactor that knows more: with()). */
  private readonly sources: SecretSource[];

  constructor(secrets: SecretSource[]) {
    this.sources = [...secrets];
    const accepted = acceptedSecrets(secrets);
    this.names = [...new Set(accepted.map((s) => s.name))];
    this.nameOf = new Map();
    // Sorted by name, so a value known under two names is always reported under the same (first) one.
    for (const { name, value } of accepted) {
      for (const form of formsOf(value)) if (!this.nameOf.has(form)) this.nameOf.set(form, name);
    }
    if (this.nameOf.size === 0) {
      this.any = null;
      this.scan = null;
      return;
    }
    // Alternation tries branches in order, so longest first makes a secret that contains another win whole.
    const forms = [...this.nameOf.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
    const alternation = forms.map(escapeRegExp).join('|');
    this.any = new RegExp(alternation);
    this.scan = new RegExp(`(?=(${alternation}))`, 'g');
  }

  /** A redactor that also knows `more` (e.g. a secret made for this run). */
  with(more: SecretSource[]): Redactor {
    return new Redactor([...this.sources, ...more]);
  }

  get empty(): boolean {
    return this.any === null;
  }

  /** `s` with every occurrence of every secret (in any known encoding) replaced by `[redacted:NAME]`. */
  text(s: string): string {
    if (this.any === null || typeof s !== 'string') return s;
    try {
      let out = s;
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        const first = this.any.exec(out);
        if (first === null) return out;
        out = this.replaceFrom(out, first.index);
      }
      return this.any.test(out) ? WITHHELD : out;
    } catch {
      // Only resource exhaustion gets here; failing closed keeps the secret out of the output.
      return WITHHELD;
    }
  }

  /** A copy of `v` with every string in it (values, keys, array items) redacted; other leaves unchanged. */
  value<T>(v: T): T {
    if (this.any === null) return v;
    try {
      return this.copy(v) as T;
    } catch {
      // Only a hostile object (a Proxy whose traps throw) gets here; dropping it cannot leak.
      return undefined as T;
    }
  }

  /** Name of the first secret found in `s` (in any known encoding), or null. */
  find(s: string): string | null {
    if (this.any === null || typeof s !== 'string') return null;
    try {
      const m = this.any.exec(s);
      return m === null ? null : (this.nameOf.get(m[0]) ?? null);
    } catch {
      return null;
    }
  }

  /** Replaces every occurrence at or after `start`, merging overlapping ones into one marker. */
  private replaceFrom(s: string, start: number): string {
    const scan = this.scan as RegExp;
    const parts: string[] = [];
    let kept = 0;
    let runStart = -1;
    let runEnd = -1;
    let runName = '';
    scan.lastIndex = start;
    for (let m = scan.exec(s); m !== null; m = scan.exec(s)) {
      const at = m.index;
      const end = at + m[1].length;
      if (at < runEnd) {
        if (end > runEnd) runEnd = end;
      } else {
        if (runStart >= 0) {
          parts.push(s.slice(kept, runStart), `[redacted:${runName}]`);
          kept = runEnd;
        }
        runStart = at;
        runEnd = end;
        runName = this.nameOf.get(m[1]) ?? 'secret';
      }
      // The lookahead matches empty, so the scan must be stepped by hand; one step finds overlaps too.
      scan.lastIndex = at + 1;
    }
    if (runStart >= 0) {
      parts.push(s.slice(kept, runStart), `[redacted:${runName}]`);
      kept = runEnd;
    }
    parts.push(s.slice(kept));
    return parts.join('');
  }

  // Walks with an explicit work list instead of recursion: deeply nested input (JSON.parse allows any
  // depth) must not overflow the stack, and the memo makes shared and cyclic references come out shared
  // and cyclic in the copy rather than looping.
  private copy(root: unknown): unknown {
    const copies = new Map<object, unknown>();
    const work: Array<() => void> = [];
    const visit = (x: unknown): unknown => {
      if (typeof x === 'string') return this.text(x);
      if (typeof x !== 'object' || x === null) return x;
      const known = copies.get(x);
      if (known !== undefined) return known;
      if (Array.isArray(x)) {
        const out: unknown[] = new Array(x.length);
        copies.set(x, out);
        work.push(() => {
          for (let i = 0; i < x.length; i++) if (i in x) out[i] = readSafely(() => visit(x[i]));
        });
        return out;
      }
      if (x instanceof Map) {
        const out = new Map();
        copies.set(x, out);
        work.push(() => {
          for (const [k, v] of x) out.set(visit(k), visit(v));
        });
        return out;
      }
      if (x instanceof Set) {
        const out = new Set();
        copies.set(x, out);
        work.push(() => {
          for (const v of x) out.add(visit(v));
        });
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(x);
      if (proto === Object.prototype || proto === null) {
        const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
        copies.set(x, out);
        work.push(() => {
          const from = x as Record<string, unknown>;
          for (const key of Object.keys(from)) {
            const value = readSafely(() => visit(from[key]));
            define(out, this.text(key), value, true);
          }
        });
        return out;
      }
      if (x instanceof Error) {
        // message and stack are own but not enumerable; an error's text is the likeliest place for a token.
        const out: Record<string, unknown> = Object.create(proto as object);
        copies.set(x, out);
        work.push(() => {
          // V8 makes `stack` an own accessor, so values are read rather than copied from descriptors.
          const from = x as unknown as Record<string, unknown>;
          for (const key of Object.getOwnPropertyNames(from)) {
            const enumerable = Object.getOwnPropertyDescriptor(from, key)?.enumerable === true;
            const value = readSafely(() => visit(from[key]));
            define(out, this.text(key), value, enumerable);
          }
        });
        return out;
      }
      // Dates, buffers, class instances: not plain data, copying them would break their invariants.
      return x;
    };
    const out = visit(root);
    for (let job = work.pop(); job !== undefined; job = work.pop()) job();
    return out;
  }
}

/** Whether a value is worth redacting: long enough, and not a flag, number or filler that occurs everywhere. */
function isRedactable(value: string): boolean {
  if (value.length < MIN_SECRET_LENGTH) return false;
  if (COMMON_VALUES.has(value.toLowerCase()) || PURE_NUMBER.test(value)) return false;
  const first = value[0];
  for (let i = 1; i < value.length; i++) if (value[i] !== first) return true;
  return false;
}

function acceptedSecrets(secrets: SecretSource[]): SecretSource[] {
  const out: SecretSource[] = [];
  const seen = new Set<string>();
  const add = (name: string, value: string): void => {
    const v = value.trim();
    if (!isRedactable(v) || seen.has(`${name}\0${v}`)) return;
    seen.add(`${name}\0${v}`);
    out.push({ name, value: v });
  };
  for (const s of Array.isArray(secrets) ? secrets : []) {
    if (typeof s?.value !== 'string') continue;
    const name = typeof s.name === 'string' && s.name !== '' ? s.name : 'secret';
    add(name, s.value);
    // A multi-line secret (a PEM key, a credentials file) leaks line by line in logs; its armour lines are not secret.
    if (/[\r\n]/.test(s.value)) for (const line of s.value.split(/\r?\n|\r/)) if (!line.trim().startsWith('-----')) add(name, line);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The raw value and the encodings it takes in JSON, URLs, base64, HTML and CSV, deduplicated. */
function formsOf(value: string): string[] {
  const json = jsonEscape(value);
  const forms = [value, json, jsonEscape(json), json.replaceAll('/', '\\/'), asciiJson(json), value.replaceAll('"', '""'), htmlEscape(value)];
  forms.push(...urlForms(value), ...base64Forms(value));
  return [...new Set(forms)].filter((f) => f.length >= MIN_FORM_LENGTH);
}

function jsonEscape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** JSON as written by encoders that escape all non-ASCII (Python's json.dumps default). */
function asciiJson(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function htmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function urlForms(s: string): string[] {
  const forms = [new URLSearchParams({ v: s }).toString().slice(2)];
  try {
    const component = encodeURIComponent(s);
    forms.push(component, component.replaceAll('%20', '+'), encodeURI(s));
  } catch {
    // Lone surrogates cannot be percent-encoded; URLSearchParams above already covered its replacement form.
  }
  // Percent escapes are case-insensitive and some encoders emit lowercase hex.
  return [...forms, ...forms.map((f) => f.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()))];
}

/**
 * The value's base64 standalone, and the part of it that is fixed wherever it sits in a longer base64
 * run: at each of the three byte offsets, the characters whose 6 bits all come from the value.
 */
function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  const forms = [bytes.toString('base64'), bytes.toString('base64url')];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function readSafely(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    // A getter that throws has nothing to write; dropping its value cannot leak.
    return undefined;
  }
}

function define(target: Record<string, unknown>, key: string, value: unknown, enumerable: boolean): void {
  // Plain assignment of "__proto__" would replace the prototype instead of copying the key.
  Object.defineProperty(target, key, { value, enumerable, writable: true, configurable: true });
}
