import { flintBuild } from '../../tooling/tsup.shared.js';

export default flintBuild({ entry: ['src/index.ts', 'src/node.ts'] });
