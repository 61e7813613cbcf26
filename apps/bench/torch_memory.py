#!/usr/bin/python3
"""PyTorch side of src/memory.ts: one DenseNet-121 training step at 224x224; prints the process's peak RSS
and its rise over the step (Linux ru_maxrss). Usage: torch_memory.py BATCH [THREADS]"""
import json, os, resource, sys, torch, torchvision
b, threads = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads); torch.manual_seed(0)
m = torchvision.models.densenet121(num_classes=14)
opt, lf = torch.optim.Adam(m.parameters(), lr=1e-4), torch.nn.BCEWithLogitsLoss()
x, y = torch.randn(b, 3, 224, 224), (torch.rand(b, 14) < 0.2).float()
rss = lambda: int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
before = rss()
opt.zero_grad(); lf(m(x), y).backward(); opt.step()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({'batch': b, 'rssBeforeMB': round(before), 'peakRssMB': round(peak), 'stepRiseMB': round(peak - before)}))
