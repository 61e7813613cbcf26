import { flintBuild } from '../../tooling/tsup.shared.js';

export default flintBuild();
