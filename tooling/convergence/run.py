#!/usr/bin/python3
"""Convergence parity: the quick-start CNN trained by Flint and by PyTorch from the same initial weights,
in the same data order, with the same hyper-parameters (Adam, learning rate decayed linearly to 0 per step); their test accuracies must agree within --max-gap
percentage points after every epoch. Also reports per-epoch training times, both single-threaded.

  /usr/bin/python3 tooling/convergence/run.py [--epochs 2] [--limit N] [--data DIR] [--out DIR]

Needs Debian's python3-torch (1.13) and numpy; `pnpm install` done. Exit status 1 when the gap is too big.
"""
import argparse, gzip, json, os, struct, subprocess, sys, time
import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEAN, STD = 0.286, 0.353  # as apps/fashion-mnist/src/data.ts


def read_safetensors(path):
    """The format: 8-byte little-endian header length, a JSON header, then the raw tensor bytes."""
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    dtypes = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32}
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        lo, hi = info['data_offsets']
        arr = np.frombuffer(raw[8 + n + lo:8 + n + hi], dtype=dtypes[info['dtype']]).reshape(info['shape'])
        out[name] = torch.from_numpy(arr.copy())
    return out


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack('>' + 'I' * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f'{prefix}-images-idx3-ubyte.gz'))
    labels = read_idx(os.path.join(data_dir, f'{prefix}-labels-idx1-ubyte.gz'))
    x = images.astype(np.float32) * np.float32(1 / (255 * STD)) - np.float32(MEAN / STD)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class FashionCnn(torch.nn.Module):
    """apps/fashion-mnist/src/model.ts, with the same parameter names."""
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 5)
        self.conv2 = torch.nn.Conv2d(16, 32, 5)
        self.fc = torch.nn.Linear(512, 10)

    def forward(self, x):
        h = F.relu(F.max_pool2d(self.conv1(x), 2))
        g = F.relu(F.max_pool2d(self.conv2(h), 2))
        return self.fc(g.flatten(1))


def evaluate(model, x, y, batch=500):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return correct / len(y)


def train_torch(work, cfg, orders):
    torch.set_num_threads(1)
    x_train, y_train = load_split(cfg['dataDir'], 'train')
    x_test, y_test = load_split(cfg['dataDir'], 't10k')
    model = FashionCnn()
    model.load_state_dict(read_safetensors(os.path.join(work, 'init.safetensors')))
    opt = torch.optim.Adam(model.parameters(), lr=cfg['lr'])
    bs, epochs = cfg['batchSize'], []
    steps = sum((len(o) + bs - 1) // bs for o in orders)
    schedule = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=steps)
    for e, order in enumerate(orders):
        order = torch.tensor(order, dtype=torch.int64)
        t0, c0, losses = time.perf_counter(), time.process_time(), []
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            opt.zero_grad()
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            schedule.step()
            losses.append(loss.item())
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        acc = evaluate(model, x_test, y_test)
        epochs.append({'epoch': e + 1, 'trainLoss': sum(losses) / len(losses), 'testAccuracy': acc, 'seconds': seconds, 'cpuSeconds': cpu})
        print(f"torch epoch {e + 1}: train loss {epochs[-1]['trainLoss']:.4f}, test accuracy {100 * acc:.2f}%, {seconds:.1f} s (cpu {cpu:.1f} s)", flush=True)
    return epochs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', help='Fashion-MNIST folder (default: as the app chooses)')
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--limit', type=int, help='train on the first N training images')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default=os.path.join(ROOT, 'tooling', 'convergence', 'out'))
    p.add_argument('--max-gap', type=float, default=1.0, help='percentage points (default 1)')
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    cmd = [os.path.join(ROOT, 'node_modules', '.bin', 'tsx'), '--tsconfig', os.path.join(ROOT, 'tooling', 'convergence', 'tsconfig.json'),
           os.path.join(ROOT, 'tooling', 'convergence', 'flint.ts'), '--out', args.out, '--epochs', str(args.epochs), '--seed', str(args.seed)]
    if args.data:
        cmd += ['--data', os.path.abspath(args.data)]
    if args.limit:
        cmd += ['--limit', str(args.limit)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    with open(os.path.join(args.out, 'flint.json')) as f:
        flint = json.load(f)
    with open(os.path.join(args.out, 'order.json')) as f:
        orders = json.load(f)
    torch_epochs = train_torch(args.out, flint['config'], orders)

    print(f"\n{'epoch':>5} {'flint acc':>10} {'torch acc':>10} {'gap (pp)':>9} {'flint s':>8} {'torch s':>8} {'ratio':>6} {'cpu ratio':>9}")
    worst = 0.0
    for f_, t in zip(flint['epochs'], torch_epochs):
        gap = 100 * abs(f_['testAccuracy'] - t['testAccuracy'])
        worst = max(worst, gap)
        print(f"{f_['epoch']:>5} {100 * f_['testAccuracy']:>9.2f}% {100 * t['testAccuracy']:>9.2f}% {gap:>9.2f} {f_['seconds']:>8.1f} {t['seconds']:>8.1f}"
              f" {f_['seconds'] / t['seconds']:>6.1f} {f_['cpuSeconds'] / t['cpuSeconds']:>9.1f}")
    result = {'config': flint['config'], 'flint': flint['epochs'], 'torch': torch_epochs, 'maxGapPp': worst, 'pass': worst < args.max_gap,
              'torch_version': torch.__version__}
    with open(os.path.join(args.out, 'result.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(f"\nlargest gap {worst:.2f} pp ({'under' if worst < args.max_gap else 'NOT under'} {args.max_gap} pp); {os.path.join(args.out, 'result.json')}")
    sys.exit(0 if worst < args.max_gap else 1)


if __name__ == '__main__':
    main()
