// GraphQL-over-HTTP conformance: runs every server audit of graphql-http (the reference
// implementation of the GraphQL over HTTP specification) against an endpoint.
//
//   node checks/graphql-http/audit.mjs http://127.0.0.1:8080/graphql
//
// Prints one line per audit, then "graphql-http audits: N of M passed". Exits 1 unless every
// audit passes ("ok"; a "warn" or "notice" is a SHOULD/MAY that is not met, and counts as not
// passed) and there are exactly EXPECTED_AUDITS of them: a new graphql-http with a different
// set of audits must be looked at, not silently accepted.
import { serverAudits } from 'graphql-http';

/** graphql-http 1.23.1 (pinned in package.json) has this many server audits. */
const EXPECTED_AUDITS = 61;
/** No single audit may take longer than this. */
const AUDIT_TIMEOUT_MS = 30_000;

const url = process.argv[2];
if (!url || !/^https?:\/\//.test(url)) {
  console.error('usage: node checks/graphql-http/audit.mjs <endpoint URL, e.g. http://127.0.0.1:8080/graphql>');
  process.exit(2);
}

/** A failed fetch says little by itself ("fetch failed"); its cause says why. */
function describe(err) {
  if (!(err instanceof Error)) return String(err);
  const cause =
    err.cause instanceof Error ? `: ${[err.cause.code, err.cause.message].filter(Boolean).join(' ')}` : '';
  return `${err.name}: ${err.message}${cause}`;
}

/** The status and the start of the body of the response an audit failed on, when readable. */
async function responseSummary(res) {
  if (!res || typeof res.status !== 'number') return '';
  let body = '';
  try {
    if (!res.bodyUsed) body = (await res.text()).replace(/\s+/g, ' ').slice(0, 300);
  } catch {
    // The body is gone; the status alone still helps.
  }
  const type = res.headers?.get?.('content-type') ?? '';
  return ` [HTTP ${res.status}${type ? ` ${type}` : ''}${body ? `: ${body}` : ''}]`;
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const audits = serverAudits({ url });
let passed = 0;
for (const audit of audits) {
  let result;
  try {
    result = await withTimeout(audit.fn(), AUDIT_TIMEOUT_MS);
  } catch (err) {
    // graphql-http throws only when the audit could not run at all (no connection, say).
    result = { id: audit.id, name: audit.name, status: 'error', reason: describe(err) };
  }
  if (result.status === 'ok') {
    passed += 1;
    console.log(`ok   ${audit.id} ${audit.name}`);
  } else {
    const label = result.status === 'error' ? 'FAIL' : 'warn';
    const kind = result.status === 'notice' ? ' (notice)' : '';
    const detail = await responseSummary(result.response);
    console.log(`${label} ${audit.id} ${audit.name}${kind}: ${result.reason}${detail}`);
  }
}

const total = audits.length;
console.log(`graphql-http audits: ${passed} of ${total} passed`);
let ok = passed === total;
if (total !== EXPECTED_AUDITS) {
  console.error(
    `graphql-http returned ${total} audits, not the ${EXPECTED_AUDITS} of graphql-http 1.23.1: ` +
      'check the installed version (npm ci --prefix checks/graphql-http) and update EXPECTED_AUDITS deliberately',
  );
  ok = false;
}
process.exit(ok ? 0 : 1);
