// A TypeDoc plugin for the API reference (tooling/release/typedoc.json). `validation.notDocumented` asks for a
// comment on every member of an anonymous object type too: `{ mean, invstd }` returned by batchNormStats, the
// arms of a union such as the testkit's `Arg`, `{ maxBufferBytes }` in Backend.limits. Their owner's comment
// describes them, and a comment inside a one-line type would be noise, so a member of an anonymous type counts
// as documented when the declaration that owns the type is documented. Everything named still needs its own.
import { Converter, ReflectionKind } from 'typedoc';

const ANONYMOUS = ReflectionKind.TypeLiteral;
// what the notDocumented check asks of such members (a call signature in an anonymous type is its owner's own)
const CHECKED = ReflectionKind.Property | ReflectionKind.Method | ReflectionKind.Accessor;
// an anonymous type's owner, when undocumented itself, is covered by what encloses it (a constructor's type
// parameter `O extends { lr?: number }` by its class)
const ENCLOSED = ReflectionKind.TypeLiteral | ReflectionKind.TypeParameter | ReflectionKind.SomeSignature | ReflectionKind.Constructor;

/** Whether the nearest documented declaration above `r`'s anonymous type owns it. */
function ownerDocumented(r) {
  let owner = r.parent;
  while (owner && !owner.hasComment() && owner.kindOf(ENCLOSED)) owner = owner.parent;
  return !!owner?.hasComment();
}

/** Whether `r` sits inside a parameter's type (the check skips those already). */
function inParameter(r) {
  for (let p = r.parent; p; p = p.parent) if (p.kindOf(ReflectionKind.Parameter)) return true;
  return false;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const names = new Set(app.options.getValue('intentionallyNotDocumented'));
    for (const r of Object.values(context.project.reflections)) {
      if (!r.kindOf(CHECKED) || !r.parent?.kindOf(ANONYMOUS) || r.hasComment() || inParameter(r)) continue;
      if (ownerDocumented(r)) names.add(r.getFriendlyFullName());
    }
    app.options.setValue('intentionallyNotDocumented', [...names]);
  });
}
