import { flintBuild } from '../../tooling/tsup.shared.js';

// the public types mention GPUDevice: the declarations reference the WebGPU types package
export default flintBuild({ dts: { banner: '/// <reference types="@webgpu/types" />' } });
