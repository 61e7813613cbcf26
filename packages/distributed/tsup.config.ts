import { flintBuild } from '../../tooling/tsup.shared.js';

// the launcher is a second entry (the package's bin); shims give the CommonJS build an import.meta.url
export default flintBuild({ entry: { index: 'src/index.ts', 'flint-run': 'src/launcher/cli.ts' }, shims: true });
