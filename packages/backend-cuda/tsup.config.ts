import { flintBuild } from '../../tooling/tsup.shared.js';

// shims: import.meta.url in the CommonJS build (koffi is required and PTX found relative to the module)
export default flintBuild({ shims: true });
