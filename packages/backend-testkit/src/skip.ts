// Which cases a backend skips: keys match a case id, an id prefix ("binary/add"), an op name or a family.
import type { Case } from './fixtures.js';
import { familyOf } from './fixtures.js';

/** Known gaps of a backend: reasons keyed by case id, id prefix (`"binary/add"`), op name or family. */
export type SkipMap = Readonly<Record<string, string>>;
/** Which cases to run: a substring of the id, a RegExp, or a predicate on the id. */
export type CaseFilter = string | RegExp | ((id: string) => boolean);

/** A gradient check ("<case id>/grad") is also skipped by "<op>/grad" or "<family>/grad" (gradients only). */
export function skipReason(c: Pick<Case, 'id' | 'op'>, skip: SkipMap | undefined): string | undefined {
  if (!skip) return undefined;
  if (skip[c.id] !== undefined) return skip[c.id];
  if (skip[c.op] !== undefined) return skip[c.op];
  if (c.id.endsWith('/grad')) {
    const only = skip[`${c.op}/grad`] ?? skip[`${familyOf(c.id)}/grad`];
    if (only !== undefined) return only;
  }
  for (const [k, reason] of Object.entries(skip)) if (c.id.startsWith(`${k}/`)) return reason;
  return skip[familyOf(c.id)];
}

export function matches(id: string, filter: CaseFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return id.includes(filter);
  if (filter instanceof RegExp) return filter.test(id);
  return filter(id);
}
