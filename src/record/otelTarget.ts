// Where a run's traces go: `--otel-endpoint` or the standard OTEL_EXPORTER_OTLP_* variables, read as the
// OTLP exporter specification says. Kept apart from the exporter (otel.ts) so a replay that exports
// nothing never loads the OpenTelemetry SDK.
import { InputError } from '../errors.ts';

/** Where traces go: the OTLP/HTTP traces URL and the headers sent with every request. */
export interface OtelTarget {
  url: string;
  headers: Record<string, string>;
  /** What named it (the flag or the variable), for messages. */
  source: string;
}

/** `k1=v1,k2=v2` with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS is written. */
export function parseOtlpHeaders(text: string | undefined, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new InputError(`"${pair.trim()}" is not a header`, { field, fix: 'write headers as name=value pairs separated by commas, e.g. x-api-key=abc' });
    let value = pair.slice(at + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // not percent-encoded: taken as written
    }
    out[pair.slice(0, at).trim()] = value;
  }
  return out;
}

function checkedUrl(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`"${url}" is not a URL`, { field, fix: 'give the collector as http(s)://host:port, e.g. http://127.0.0.1:4318' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InputError(`"${url}" is not an http(s) URL`, { field, fix: 'bench exports over OTLP/HTTP: give http(s)://host:port' });
  return url;
}

/** A base endpoint gets the traces path, as the OTLP exporter specification says for OTEL_EXPORTER_OTLP_ENDPOINT. */
const tracesPath = (base: string) => (/\/v1\/traces\/?$/.test(base) ? base : `${base.replace(/\/+$/, '')}/v1/traces`);

/**
 * The export target from `--otel-endpoint` (a base URL, like OTEL_EXPORTER_OTLP_ENDPOINT) or the standard
 * variables (the traces-specific ones win, as the specification says); null when none is set.
 */
export function otelTarget(flag: string | undefined, env: NodeJS.ProcessEnv): OtelTarget | null {
  const headers = {
    ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
  };
  if (flag) return { url: tracesPath(checkedUrl(flag, '--otel-endpoint')), headers, source: '--otel-endpoint' };
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return { url: checkedUrl(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'), headers, source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' };
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return { url: tracesPath(checkedUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT')), headers, source: 'OTEL_EXPORTER_OTLP_ENDPOINT' };
  return null;
}

/** Headers as OTEL_EXPORTER_OTLP_HEADERS writes them (the form parseOtlpHeaders reads). */
export function formatOtlpHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join(',');
}

/** The OTLP header values are credentials more often than not: the run redacts them like any secret. */
export function otelSecrets(target: OtelTarget | null): Array<{ name: string; value: string }> {
  return Object.entries(target?.headers ?? {}).map(([name, value]) => ({ name: `OTLP header ${name}`, value }));
}
