// The first place where two JSON values differ, as a dotted path: how a refusal names the field
// that makes two runs different ("config.lambda: 0.25 here, 0.5 in the run folder").

export interface Difference {
  path: string;
  left: unknown;
  right: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Depth first, keys in the left value's order, then keys only the right one has. */
export function firstDifference(left: unknown, right: unknown, path = ''): Difference | null {
  if (Array.isArray(left) && Array.isArray(right)) {
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      const d = firstDifference(left[i], right[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isObject(left) && isObject(right)) {
    const keys = [...Object.keys(left), ...Object.keys(right).filter((k) => !(k in left))];
    for (const key of keys) {
      const d = firstDifference(left[key], right[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
    return null;
  }
  return Object.is(left, right) || JSON.stringify(left) === JSON.stringify(right) ? null : { path: path || '(value)', left, right };
}

/** `path: A here, B there` with values as JSON (absent = "absent"). */
export function describeDifference(d: Difference, here: string, there: string): string {
  const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));
  return `${d.path}: ${show(d.left)} ${here}, ${show(d.right)} ${there}`;
}
