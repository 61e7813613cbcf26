# PyTorch side of bench/run.ts: times the same ops at the thread count in argv[1] (default 1); reads cases as JSON on stdin.
import json, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)

def timeit(fn, reps):
    fn()
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps * 1000

out = {}
for case in json.load(sys.stdin):
    key, reps = case["key"], case["reps"]
    if case["kind"] == "gemm":
        n = case["n"]
        a, b = torch.randn(n, n), torch.randn(n, n)
        out[key] = timeit(lambda: a @ b, reps)
    else:
        N, C, O, H = case["N"], case["C"], case["O"], case["H"]
        x, w = torch.randn(N, C, H, H), torch.randn(O, C, 3, 3)
        gy = torch.randn(N, O, H, H)
        conv = torch.ops.aten.convolution_backward
        if case["kind"] == "fwd":
            fn = lambda: F.conv2d(x, w, padding=1)
        elif case["kind"] == "bwdInput":
            fn = lambda: conv(gy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, False, False])
        else:
            fn = lambda: conv(gy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [False, True, False])
        out[key] = timeit(fn, reps)
print(json.dumps({"version": torch.__version__, "times": out}))
