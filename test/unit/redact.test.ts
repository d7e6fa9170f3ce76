import { stringify } from 'csv-stringify/sync';
import { describe, expect, test } from 'vitest';
import { Redactor } from '../../src/record/redact.ts';

const KEY = 'sk-proj-4f9Qz7LmT2xV8bN1cR6yW3uH5kJ0aE';

const encodings: Record<string, (s: string) => string> = {
  raw: (s) => s,
  json: (s) => JSON.stringify({ msg: `token ${s} used` }),
  'json in json': (s) => JSON.stringify({ line: JSON.stringify({ msg: s }) }),
  base64: (s) => Buffer.from(s).toString('base64'),
  base64url: (s) => Buffer.from(s).toString('base64url'),
  'basic auth': (s) => `Authorization: Basic ${Buffer.from(`x-access-token:${s}`).toString('base64')}`,
  'base64 at offset 1': (s) => Buffer.from(`a${s}zz`).toString('base64'),
  'base64 at offset 2': (s) => Buffer.from(`ab${s}z`).toString('base64'),
  'url component': (s) => `https://example.com/?key=${encodeURIComponent(s)}&x=1`,
  'url form': (s) => `?${new URLSearchParams({ key: s, q: 'a b' })}`,
  'url lowercase hex': (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
  csv: (s) => stringify([['a', s, 'b']]),
  html: (s) => `<td>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</td>`,
};

const trickySecrets = [KEY, 'a+b(c)*[d]$^.|?{}\\', 'pa"ss\\wo/rd 1!', "it's <&> a ${x} $1 $& secret", 'pässwörd-ünïcødé-☃', 'line\tbreak\u0001ctrl'];

describe('Redactor.fromEnv', () => {
  test('always takes OPENAI_API_KEY, and variables whose names end in a secret suffix, case-insensitively', () => {
    const r = Redactor.fromEnv({
      OPENAI_API_KEY: KEY,
      GITHUB_TOKEN: 'ghp_abcdefghijklmnop',
      db_password: 'hunter2hunter2',
      Some_Secret: 'shh-very-secret',
      NPM_PASS: 'npm-pass-value',
      GH_PAT: 'github_pat_0123456789',
      GCP_CREDENTIALS: '{"type":"service_account"}',
      PASSWORD: 'plain-password',
      token: 'plain-lower-token',
      SECRET: 'plain-secret-value',
      HOME: '/home/someone/long',
      MONKEY: 'not-a-secret-name',
      KEYBOARD_LAYOUT: 'not-a-secret-either',
      PASSWORD_HINT: 'ends-differently',
    });
    expect(r.names).toEqual([
      'GCP_CREDENTIALS',
      'GH_PAT',
      'GITHUB_TOKEN',
      'NPM_PASS',
      'OPENAI_API_KEY',
      'PASSWORD',
      'SECRET',
      'Some_Secret',
      'db_password',
      'token',
    ]);
    expect(r.text('home is /home/someone/long, MONKEY=not-a-secret-name')).toBe('home is /home/someone/long, MONKEY=not-a-secret-name');
    expect(r.text(`k=${KEY}`)).toBe('k=[redacted:OPENAI_API_KEY]');
  });

  test('takes the variables named in BENCH_SECRETS (comma- or space-separated) and extraNames', () => {
    const r = Redactor.fromEnv(
      {
        BENCH_SECRETS: 'DB_URL, SENTRY_DSN  my_dsn,',
        DB_URL: 'postgres://u:p@db/x',
        SENTRY_DSN: 'https://abc@sentry.io/1',
        MY_DSN: 'mixed-case-match',
        OTHER: 'other-value',
        CUSTOM: 'custom-value',
      },
      { extraNames: ['CUSTOM'] },
    );
    expect(r.names).toEqual(['CUSTOM', 'DB_URL', 'MY_DSN', 'SENTRY_DSN']);
    expect(r.text('other-value custom-value')).toBe('other-value [redacted:CUSTOM]');
  });

  test('ignores values that are short, boolean, numeric, null-like or one character repeated', () => {
    const r = Redactor.fromEnv({
      A_KEY: '1',
      B_KEY: 'true',
      C_TOKEN: 'FALSE',
      D_TOKEN: 'undefined',
      E_SECRET: 'null',
      F_SECRET: '1234567890',
      G_SECRET: '-3.14159265',
      H_PASSWORD: 'xxxxxxxxxxxx',
      I_PASSWORD: 'short',
      J_KEY: '          ',
      K_KEY: '',
    });
    expect(r.empty).toBe(true);
    expect(r.names).toEqual([]);
    const text = 'true false 1 null undefined 1234567890 xxxxxxxxxxxx short';
    expect(r.text(text)).toBe(text);
  });

  test('explicit values join the env secrets; surrounding whitespace is trimmed', () => {
    const r = Redactor.fromEnv({ OPENAI_API_KEY: `  ${KEY}\n` }, { values: [{ name: '--api-key', value: 'cli-given-key-123' }] });
    expect(r.names).toEqual(['--api-key', 'OPENAI_API_KEY']);
    expect(r.text(`${KEY} cli-given-key-123`)).toBe('[redacted:OPENAI_API_KEY] [redacted:--api-key]');
  });

  test('OPENAI_API_KEY may be empty or unset without error', () => {
    expect(Redactor.fromEnv({}).empty).toBe(true);
    expect(Redactor.fromEnv({ OPENAI_API_KEY: '' }).empty).toBe(true);
  });
});

describe('Redactor.text', () => {
  test('replaces every occurrence, including a secret adjacent to itself', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    expect(r.text(`a ${KEY} b ${KEY}${KEY}${KEY}`)).toBe('a [redacted:K] b [redacted:K][redacted:K][redacted:K]');
  });

  test('leaves text without secrets as the same string', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    const s = 'nothing to see here '.repeat(10);
    expect(r.text(s)).toBe(s);
    expect(r.text('')).toBe('');
  });

  for (const [encoding, encode] of Object.entries(encodings)) {
    test(`removes the ${encoding} form of secrets, including ones with quotes, backslashes, metacharacters and non-ASCII`, () => {
      for (const secret of trickySecrets) {
        const r = new Redactor([{ name: 'S', value: secret }]);
        const written = encode(secret);
        const out = r.text(written);
        expect(out, `${encoding} of ${JSON.stringify(secret)}`).toContain('[redacted:S]');
        expect(out).not.toContain(secret);
        expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
        expect(r.find(out)).toBeNull();
      }
    });
  }

  test('JSON-escaped secrets are removed from a serialized event without breaking the JSON', () => {
    const secret = 'ab"cd\\ef/gh';
    const r = new Redactor([{ name: 'S', value: secret }]);
    const line = JSON.stringify({ type: 'tool_result', out: `${secret}${secret} and ${secret}` });
    const out = r.text(line);
    expect(JSON.parse(out)).toEqual({ type: 'tool_result', out: '[redacted:S][redacted:S] and [redacted:S]' });
  });

  test('a secret with regex metacharacters matches only literally', () => {
    const secret = 'a+b(c)*[d]$^.|?{}\\';
    const r = new Redactor([{ name: 'META', value: secret }]);
    expect(r.text(`x${secret}y`)).toBe('x[redacted:META]y');
    expect(r.text('aab(c)[d]$^.|?{}\\ abbbc')).toBe('aab(c)[d]$^.|?{}\\ abbbc');
    expect(r.text('$& $1 $$')).toBe('$& $1 $$');
  });

  test('longest first: a secret that contains another is replaced whole', () => {
    const r = new Redactor([
      { name: 'SHORT', value: 'abcdefgh' },
      { name: 'LONG', value: 'xx-abcdefgh-yy' },
    ]);
    expect(r.text('xx-abcdefgh-yy and abcdefgh')).toBe('[redacted:LONG] and [redacted:SHORT]');
  });

  test('overlapping secrets become one replacement covering both', () => {
    const r = new Redactor([
      { name: 'A', value: 'aaaabbbb' },
      { name: 'B', value: 'bbbbcccc' },
    ]);
    const out = r.text('<aaaabbbbcccc>');
    expect(out).toBe('<[redacted:A]>');
  });

  test('one value under two names is replaced once, under the first name in sorted order', () => {
    const r = new Redactor([
      { name: 'ZED_TOKEN', value: KEY },
      { name: 'ALPHA_KEY', value: KEY },
      { name: 'ALPHA_KEY', value: KEY },
    ]);
    expect(r.names).toEqual(['ALPHA_KEY', 'ZED_TOKEN']);
    expect(r.text(KEY)).toBe('[redacted:ALPHA_KEY]');
  });

  test('a multi-line secret is also removed line by line, but not its PEM armour lines', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEF\nAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    const r = new Redactor([{ name: 'SSH_KEY', value: pem }]);
    expect(r.text(pem)).toBe('[redacted:SSH_KEY]\n');
    expect(r.text('got AASCBKcwggSjAgEAAoIBAQC7 in a log')).toBe('got [redacted:SSH_KEY] in a log');
    expect(r.text('-----BEGIN PRIVATE KEY-----')).toBe('-----BEGIN PRIVATE KEY-----');
  });

  test('redacting is idempotent, and a secret that the marker itself would recreate is withheld', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    const once = r.text(`a ${KEY} b`);
    expect(r.text(once)).toBe(once);
    const odd = new Redactor([{ name: 'S', value: '[redacted:S]' }]);
    const out = odd.text('x [redacted:S] y');
    expect(out).not.toContain('[redacted:S]');
    expect(odd.find(out)).toBeNull();
  });

  test('never throws, whatever it is given', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    for (const bad of [undefined, null, 42, {}, '\ud800 lone surrogate', 'x'.repeat(100_000)]) {
      expect(() => r.text(bad as string)).not.toThrow();
      expect(() => r.find(bad as string)).not.toThrow();
    }
    expect(() => new Redactor([null, { name: 1, value: 2 }, { name: '', value: 'nameless-value' }] as never)).not.toThrow();
    expect(new Redactor([{ name: '', value: 'nameless-value' }]).text('nameless-value')).toBe('[redacted:secret]');
    expect(() => new Redactor([{ name: 'S', value: 'lone \ud800 surrogate' }])).not.toThrow();
  });
});

describe('Redactor.value', () => {
  test('redacts strings in nested objects, arrays and keys, returns a copy and keeps other leaves', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    const date = new Date(0);
    const input = {
      a: `Bearer ${KEY}`,
      n: 3,
      b: [true, null, undefined, KEY, { deep: [[`x${KEY}`]] }],
      [KEY]: 'key as key',
      date,
      nested: { env: { OPENAI_API_KEY: KEY } },
    };
    const out = r.value(input);
    expect(out).toEqual({
      a: 'Bearer [redacted:K]',
      n: 3,
      b: [true, null, undefined, '[redacted:K]', { deep: [['x[redacted:K]']] }],
      '[redacted:K]': 'key as key',
      date,
      nested: { env: { OPENAI_API_KEY: '[redacted:K]' } },
    });
    expect(out).not.toBe(input);
    expect(input.a).toBe(`Bearer ${KEY}`);
    expect(out.date).toBe(date);
    expect(JSON.stringify(out)).not.toContain(KEY);
    expect(r.value(KEY)).toBe('[redacted:K]');
    expect(r.value(7)).toBe(7);
  });

  test('cycles and shared references come out cyclic and shared, without looping', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    const shared = { s: KEY };
    const a: Record<string, unknown> = { name: KEY, shared, again: shared };
    a.self = a;
    a.list = [a, shared];
    const out = r.value(a) as typeof a & { self: unknown; shared: unknown; again: unknown; list: unknown[] };
    expect(out.name).toBe('[redacted:K]');
    expect(out.self).toBe(out);
    expect(out.list[0]).toBe(out);
    expect(out.shared).toBe(out.again);
    expect(out.shared).toEqual({ s: '[redacted:K]' });
    expect(a.name).toBe(KEY);
  });

  test('very deep nesting does not overflow the stack', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    let deep: unknown = KEY;
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { d: deep };
    let out = r.value(deep);
    for (let i = 100_000 - 1; i >= 0; i--) out = i % 2 ? (out as unknown[])[0] : (out as { d: unknown }).d;
    expect(out).toBe('[redacted:K]');
  });

  test('redacts error messages and stacks, Maps and Sets, and survives throwing getters and __proto__ keys', () => {
    const r = new Redactor([{ name: 'K', value: KEY }]);
    const err = new TypeError(`bad key ${KEY}`);
    const outErr = r.value(err);
    expect(outErr).toBeInstanceOf(TypeError);
    expect(outErr.message).toBe('bad key [redacted:K]');
    expect(outErr.stack).not.toContain(KEY);
    expect(err.message).toContain(KEY);

    const m = r.value({ m: new Map([[KEY, KEY]]), s: new Set([KEY]) });
    expect([...m.m]).toEqual([['[redacted:K]', '[redacted:K]']]);
    expect([...m.s]).toEqual(['[redacted:K]']);

    const tricky = JSON.parse(`{"__proto__": {"x": "${KEY}"}}`) as Record<string, unknown>;
    Object.defineProperty(tricky, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    const out = r.value(tricky);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: '[redacted:K]' });
    expect(out.boom).toBeUndefined();
  });
});

describe('Redactor.find', () => {
  test('names the first secret found, in any encoding, or null', () => {
    const r = new Redactor([
      { name: 'A_KEY', value: 'alpha-secret-1' },
      { name: 'B_TOKEN', value: 'beta-secret-2' },
    ]);
    expect(r.find('nothing here')).toBeNull();
    expect(r.find('x beta-secret-2 then alpha-secret-1')).toBe('B_TOKEN');
    expect(r.find(Buffer.from('alpha-secret-1').toString('base64'))).toBe('A_KEY');
    expect(r.find(encodeURIComponent('{"k":"beta-secret-2"}'))).toBe('B_TOKEN');
    expect(r.find(r.text('alpha-secret-1 beta-secret-2'))).toBeNull();
  });
});

describe('Redactor.none', () => {
  test('redacts nothing and cannot be changed', () => {
    const s = `${KEY} true 1`;
    expect(Redactor.none.empty).toBe(true);
    expect(Redactor.none.names).toEqual([]);
    expect(Redactor.none.text(s)).toBe(s);
    const v = { a: [KEY] };
    expect(Redactor.none.value(v)).toBe(v);
    expect(Redactor.none.find(s)).toBeNull();
    expect(Object.isFrozen(Redactor.none)).toBe(true);
    expect(() => Redactor.none.names.push('X')).toThrow();
  });
});

describe('Redactor performance', () => {
  test('redacting 1 MB with 20 secrets is well under a second', () => {
    const secrets = Array.from({ length: 20 }, (_, i) => ({ name: `S${i}_KEY`, value: `tok-${i}-${'q7Zx'.repeat(8)}-${i * 7919}` }));
    const r = new Redactor(secrets);
    const line = `${JSON.stringify({ t: 12.5, type: 'tool_result', out: 'the quick brown fox jumps over the lazy dog, 0123456789 '.repeat(3) })}\n`;
    let text = '';
    while (text.length < 1_000_000) text += line;
    const leaky = `${text.slice(0, 500_000)}${secrets[3].value}${text.slice(500_000)}${Buffer.from(secrets[17].value).toString('base64')}`;
    const lines = text.split('\n');

    const t0 = performance.now();
    expect(r.text(text)).toBe(text);
    const out = r.text(leaky);
    for (const l of lines) r.text(l);
    const ms = performance.now() - t0;

    expect(out).toContain('[redacted:S3_KEY]');
    expect(out).toContain('[redacted:S17_KEY]');
    expect(ms).toBeLessThan(500);
  });
});
