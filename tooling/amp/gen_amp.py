"""Fixtures for mixed precision (issue 16), from Debian's torch 1.13 on the CPU. Run: /usr/bin/python3 tooling/amp/gen_amp.py

Writes
  packages/backend-testkit/fixtures/half/half.json   casts to/from float16 and bfloat16 (raw bits) and ops computed in them
  packages/core/fixtures/autocast.json      torch.autocast('cpu', bfloat16) output dtypes per op
  packages/optim/fixtures/amp.json          the GradScaler reference, and bf16-autocast training losses of an MLP,
                                            a small CNN and one with BatchNorm

Tensors are {"shape", "dtype", "data"}; float16/bfloat16 data are their uint16 bit patterns, other floats are
numbers with "nan"/"inf"/"-inf" as strings, int64 data decimal strings. An op case marked "derived" is one
torch 1.13 has no CPU half kernel for (or, for matmul/linear/conv2d, whose small bf16 GEMM rounds after every
multiply-add): its expectation is torch's float32 result rounded to the dtype (what torch's later CPU kernels
compute, and what Flint's CPU backend does).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
LOW = {'float16': torch.float16, 'bfloat16': torch.bfloat16}
TD = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'int64': torch.int64,
      'uint8': torch.uint8, 'bool': torch.bool, **LOW}


def num(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
    return v


def enc(t):
    name = [k for k, v in TD.items() if v == t.dtype][0]
    flat = t.detach().reshape(-1)
    if name in LOW:
        data = flat.view(torch.int16).to(torch.int32).bitwise_and(0xffff).tolist()
    elif name == 'int64':
        data = [str(v) for v in flat.tolist()]  # exact past 2^53
    else:
        data = [num(v) for v in flat.tolist()]
    return {'shape': list(t.shape), 'dtype': name, 'data': data}


def casts():
    f = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 2.5, 65504.0, 65519.0, 65520.0, 1e5, -1e5, 3.0e38, 3.4e38,
         6.0e-8, 5.960464477539063e-08, 2.9802322387695312e-08, 2.98023259e-08, 8.940696716308594e-08, 1e-10,
         6.103515625e-05, 6.1e-05, 1e-40, 1.0 + 2 ** -8, 1.0 + 3 * 2 ** -8, 1.0 + 2 ** -11, 1.0 + 3 * 2 ** -11,
         255.5, 256.5, -7.75, float('inf'), float('-inf'), float('nan')]
    out = []
    for src in ['float32', 'float64']:
        x = torch.tensor(f, dtype=TD[src])
        for low in LOW:
            out.append({'from': enc(x), 'to': low, 'expect': enc(x.to(LOW[low]))})
    ints = [0, 1, -1, 7, 2049, 2051, 65504, 65505, 65520, 70000, 16777217, -300, 255]
    for src in ['int32', 'int64', 'uint8', 'bool']:
        vals = [v for v in ints if src != 'uint8' or 0 <= v < 256] if src != 'bool' else [0, 1, 1, 0]
        x = torch.tensor(vals, dtype=TD[src])
        if src == 'int64':
            x = torch.cat([x, torch.tensor([2 ** 40 + 1, -(2 ** 62), 2 ** 63 - 1])])
        for low in LOW:
            out.append({'from': enc(x), 'to': low, 'expect': enc(x.to(LOW[low]))})
    # from each low dtype, every other dtype (finite values for the integer targets: NaN->int is UB in C)
    for low in LOW:
        x = torch.tensor(f, dtype=torch.float32).to(LOW[low])
        fin = x[torch.isfinite(x) & (x.abs() < 60000)]
        for dst in TD:
            src = fin if dst in ('int32', 'int64', 'uint8') else x
            if dst == 'uint8':
                src = src[(src >= 0) & (src < 256)]
            out.append({'from': enc(src), 'to': dst, 'expect': enc(src.to(TD[dst]))})
    return out


def op_cases():
    g = torch.Generator().manual_seed(16)
    a = torch.randn(3, 4, generator=g) * 3
    b = torch.randn(3, 4, generator=g) * 3
    pos = torch.rand(3, 4, generator=g) * 5 + 0.1
    m1, m2 = torch.randn(5, 7, generator=g), torch.randn(7, 6, generator=g)
    cx, cw, cb = torch.randn(2, 3, 6, 6, generator=g), torch.randn(4, 3, 3, 3, generator=g) * 0.3, torch.randn(4, generator=g)
    lx, lw, lb = torch.randn(4, 8, generator=g), torch.randn(5, 8, generator=g) * 0.3, torch.randn(5, generator=g)
    spec = [
        # name, flint call, args, torch fn, exact (elementwise ops torch computes in float and rounds once)
        ('add', [a, b], lambda x, y: x + y, True), ('sub', [a, b], lambda x, y: x - y, True),
        ('mul', [a, b], lambda x, y: x * y, True), ('div', [a, b], lambda x, y: x / y, True),
        ('neg', [a], lambda x: -x, True), ('abs', [a], lambda x: x.abs(), True), ('relu', [a], F.relu, True),
        ('maximum', [a, b], torch.maximum, True),
        ('exp', [a], torch.exp, False), ('log', [pos], torch.log, False), ('sqrt', [pos], torch.sqrt, False),
        ('tanh', [a], torch.tanh, False), ('sigmoid', [a], torch.sigmoid, False), ('gelu', [a], F.gelu, False),
        ('sum', [a], lambda x: x.sum(), False), ('mean', [a], lambda x: x.mean(), False),
        ('amax', [a], lambda x: x.amax(), True),
        ('softmax', [a], lambda x: torch.softmax(x, 1), False), ('logSoftmax', [a], lambda x: torch.log_softmax(x, 1), False),
    ]
    # torch 1.13's small bf16 GEMM (no mkldnn) rounds to bf16 after every multiply-add; later versions and its
    # mkldnn path accumulate in float32 and round once, which is what these expect (and Flint's CPU does)
    fp32acc = [('matmul', [m1, m2], torch.matmul), ('linear', [lx, lw, lb], F.linear),
               ('conv2d', [cx, cw, cb], lambda x, w, bb: F.conv2d(x, w, bb, padding=1))]
    out = []
    for low, dt in LOW.items():
        for name, args, fn, exact in spec:
            xs = [t.to(dt) for t in args]
            derived = False
            try:
                y = fn(*xs)
            except RuntimeError:
                y = fn(*[t.float() for t in xs]).to(dt)
                derived = True
            out.append({'op': name, 'dtype': low, 'args': [enc(t) for t in xs], 'expect': enc(y), 'exact': exact, 'derived': derived})
        for name, args, fn in fp32acc:
            xs = [t.to(dt) for t in args]
            y = fn(*[t.float() for t in xs]).to(dt)
            out.append({'op': name, 'dtype': low, 'args': [enc(t) for t in xs], 'expect': enc(y), 'exact': False, 'derived': True})
    return out


def autocast_dtypes():
    """Output dtype of each op under torch.autocast('cpu', bfloat16), for float32 and for bfloat16 inputs."""
    g = torch.Generator().manual_seed(3)
    x, w, bias = torch.randn(4, 6, generator=g), torch.randn(3, 6, generator=g), torch.randn(3, generator=g)
    img, k = torch.randn(1, 2, 5, 5, generator=g), torch.randn(3, 2, 3, 3, generator=g)
    sig, y = torch.rand(4, 6, generator=g), torch.tensor([0, 2, 1, 1])
    cases = {
        'matmul': lambda d: x.to(d) @ w.t(), 'linear': lambda d: F.linear(x.to(d), w, bias),
        'conv2d': lambda d: F.conv2d(img.to(d), k), 'conv1d': lambda d: F.conv1d(img[:, :, 0].to(d), k[:, :, 0]),
        'prod': lambda d: x.to(d).prod(), 'sum': lambda d: x.to(d).sum(), 'mean': lambda d: x.to(d).mean(),
        'softmax': lambda d: torch.softmax(x.to(d), 1), 'logSoftmax': lambda d: torch.log_softmax(x.to(d), 1),
        'layerNorm': lambda d: F.layer_norm(x.to(d), (6,)), 'exp': lambda d: x.to(d).exp(), 'relu': lambda d: F.relu(x.to(d)),
        'crossEntropy': lambda d: F.cross_entropy(x.to(d), y), 'nllLoss': lambda d: F.nll_loss(x.to(d), y),
        'mseLoss': lambda d: F.mse_loss(x.to(d), sig), 'l1Loss': lambda d: F.l1_loss(x.to(d), sig),
        'smoothL1Loss': lambda d: F.smooth_l1_loss(x.to(d), sig), 'huberLoss': lambda d: F.huber_loss(x.to(d), sig),
        'binaryCrossEntropy': lambda d: F.binary_cross_entropy(sig.to(d), sig),
        'binaryCrossEntropyWithLogits': lambda d: F.binary_cross_entropy_with_logits(x.to(d), sig),
        'add': lambda d: x.to(d) + x, 'cat': lambda d: torch.cat([x.to(d), x]), 'stack': lambda d: torch.stack([x.to(d), x]),
        'gruCell': lambda d: torch.nn.GRUCell(6, 3)(x.to(d) if d == torch.float32 else x),
        'lstmCell': lambda d: torch.nn.LSTMCell(6, 3)(x.to(d) if d == torch.float32 else x)[0],
    }
    out = {}
    with torch.autocast('cpu', dtype=torch.bfloat16):
        for name, fn in cases.items():
            out[name] = {src: str(fn(TD[src]).dtype).replace('torch.', '') for src in ['float32', 'bfloat16']}
    return out


def grad_scaler():
    """torch.cuda.amp.GradScaler's algorithm (its CUDA kernels _amp_foreach_non_finite_check_and_unscale_ and
    _amp_update_scale_ have no CPU version in 1.13), replayed in float32 tensors on a fixed gradient sequence."""
    init, growth, backoff, interval = 2.0 ** 4, 2.0, 0.5, 3
    scale = torch.tensor([init]); tracker = torch.zeros(1, dtype=torch.int32)
    p = torch.tensor([1.0, -2.0, 0.5])
    grads = [[0.1, 0.2, -0.3], [0.5, 0.0, 1.0], [float('inf'), 1, 1], [0.25, -0.5, 0.125], [1, 2, 3], [0.3, 0.3, 0.3],
             [float('nan'), 0, 0], [-1, 0.5, 2], [0.1, 0.1, 0.1], [0.2, -0.2, 0.4], [2e4, 0, 0], [0.5, 0.5, -0.5]]
    steps = []
    lr = 0.1
    for gv in grads:
        g_true = torch.tensor(gv, dtype=torch.float32)
        g = g_true * scale  # what backward of scale(loss) gives
        inv = scale.double().reciprocal().float()
        gu = g * inv
        found = float(not torch.isfinite(gu).all())
        skipped = found != 0
        if not skipped:
            p = p - lr * gu
        if found:
            scale = scale * backoff; tracker.zero_()
        else:
            t = tracker + 1
            if t.item() == interval:
                s2 = scale * growth
                if torch.isfinite(s2).all():
                    scale = s2
                tracker.zero_()
            else:
                tracker = t
        steps.append({'grad': [num(v) for v in g_true.tolist()], 'skipped': skipped, 'param': p.tolist(),
                      'scale': scale.item(), 'growthTracker': int(tracker.item())})
    return {'init': {'initScale': init, 'growthFactor': growth, 'backoffFactor': backoff, 'growthInterval': interval},
            'lr': lr, 'param0': [1.0, -2.0, 0.5], 'steps': steps}


def state(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def train(model, x, y, opt, steps=20):
    init = {k: v for k, v in state(model).items() if not k.endswith('num_batches_tracked')}
    amp_losses, f32_losses = [], []
    for amp, losses in [(True, amp_losses), (False, f32_losses)]:
        model.load_state_dict({k: torch.tensor(v['data'], dtype=torch.float32).reshape(v['shape']) for k, v in init.items()}, strict=False)
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.num_batches_tracked.zero_()
        o = opt(model.parameters())
        for _ in range(steps):
            o.zero_grad()
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=amp):
                loss = F.cross_entropy(model(x), y)
            assert loss.dtype == torch.float32
            loss.backward()
            o.step()
            losses.append(loss.item())
    return {'init': init, 'x': enc(x), 'y': enc(y), 'ampLosses': amp_losses, 'f32Losses': f32_losses}


def training():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(20, 32), torch.nn.ReLU(), torch.nn.Linear(32, 5))
    x, y = torch.randn(16, 20), torch.randint(0, 5, (16,))
    mlp_fix = train(mlp, x, y, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9))
    torch.manual_seed(1)
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))
    xi, yi = torch.randn(8, 1, 8, 8), torch.randint(0, 3, (8,))
    cnn_fix = train(cnn, xi, yi, lambda ps: torch.optim.Adam(ps, lr=0.01))
    # BatchNorm under CPU autocast: bf16 input, float32 statistics and affine parameters (mixed-type batch_norm)
    torch.manual_seed(2)
    cnn_bn = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 3))
    xb, yb = torch.randn(8, 1, 8, 8), torch.randint(0, 3, (8,))
    bn_fix = train(cnn_bn, xb, yb, lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9))
    return {'mlp': mlp_fix, 'cnn': cnn_fix, 'cnnBatchNorm': bn_fix}


def write(rel, obj):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as fh:
        json.dump(obj, fh, separators=(',', ':'))
    print('wrote', rel, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    write('packages/backend-testkit/fixtures/half/half.json', {'torch': torch.__version__, 'casts': casts(), 'ops': op_cases()})
    write('packages/core/fixtures/autocast.json', {'torch': torch.__version__, 'cpu': autocast_dtypes()})
    write('packages/optim/fixtures/amp.json', {'torch': torch.__version__, 'gradScaler': grad_scaler(), 'training': training()})
