// Assertions for life.ts: each prints one line; a mismatch is counted and the run goes on where
// it can, so one run lists every difference. `finish` sets the exit code.

/** What an openapi-fetch call gives back, whichever status it had. */
export interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

let failures = 0;

/** JSON with object keys sorted, so two answers compare by content and not by key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function ok(label: string): void {
  console.log(`ok   ${label}`);
}

export function fail(label: string, detail: string): void {
  failures++;
  console.log(`FAIL ${label}: ${detail}`);
}

/** Compares by content (canonical JSON); true when equal. */
export function same(label: string, actual: unknown, expected: unknown): boolean {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a === e) {
    ok(label);
    return true;
  }

  fail(label, `expected ${e}, got ${a}`);
  return false;
}

/**
 * The answer's body when its status is the expected one; otherwise the run cannot go on (the
 * next steps need this answer), so it throws with the status and the body the server sent.
 */
export function expectStatus<T>(label: string, answer: Answer<T>, status: number): T {
  const got = answer.response.status;
  if (got !== status || answer.data === undefined) {
    throw new Error(`${label}: expected ${status}, got ${got} ${canonical(answer.error ?? answer.data ?? null)}`);
  }

  ok(`${label} (${status})`);
  return answer.data;
}

/** The error body of an answer that must have failed with this status (throws otherwise). */
export function expectProblem<E>(label: string, answer: { error?: E; response: Response }, status: number): E {
  const got = answer.response.status;
  if (got !== status || answer.error === undefined) {
    throw new Error(`${label}: expected ${status}, got ${got}`);
  }

  return answer.error;
}

/** Prints the summary and sets the process's exit code: 0 when every check held. */
export function finish(): void {
  if (failures === 0) {
    console.log("the coupon's life: every check held");
  } else {
    console.log(`the coupon's life: ${failures} check(s) failed`);
    process.exitCode = 1;
  }
}
