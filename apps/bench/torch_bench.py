#!/usr/bin/python3
"""PyTorch side of apps/bench: the same three models, synthetic batches, timed train and inference steps.
Usage: torch_bench.py MODEL BATCH STEPS INFER_STEPS THREADS IMAGE_SIZE   (prints one JSON line)"""
import json, sys, time, torch, torch.nn as nn

model_name, batch, steps, infer_steps, threads, size = sys.argv[1], *map(int, sys.argv[2:])
torch.set_num_threads(threads)
torch.manual_seed(0)

def vgg():
    return nn.Sequential(
        nn.Conv2d(3, 50, 3, padding=1), nn.ReLU(), nn.Conv2d(50, 50, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(), nn.Dropout(0.25),
        nn.Conv2d(50, 100, 3, padding=1), nn.ReLU(), nn.Conv2d(100, 100, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(100 * 8 * 8, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))

class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(30000, 125)
        self.rnn = nn.GRU(125, 100, batch_first=True)
        self.fc = nn.Linear(100, 2)
    def forward(self, x):
        _, h = self.rnn(self.embedding(x))
        return self.fc(h[0])

if model_name == 'vgg':
    model, x, y = vgg(), torch.randn(batch, 3, 32, 32), torch.randint(0, 10, (batch,))
    opt, loss_fn = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), nn.CrossEntropyLoss()
elif model_name == 'gru':
    model, x, y = Gru(), torch.randint(0, 30000, (batch, 150)), torch.randint(0, 2, (batch,))
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()
else:
    import torchvision
    model = torchvision.models.densenet121(num_classes=14)
    x, y = torch.randn(batch, 3, size, size), (torch.rand(batch, 14) < 0.2).float()
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-4), nn.BCEWithLogitsLoss()

def train_step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()

model.train(); train_step()
t0 = time.perf_counter()
for _ in range(steps): train_step()
train = steps * batch / (time.perf_counter() - t0)
model.eval()
with torch.no_grad():
    model(x)
    t0 = time.perf_counter()
    for _ in range(infer_steps): model(x)
    infer = infer_steps * batch / (time.perf_counter() - t0)
import os
blas = os.path.basename(os.path.dirname(os.path.realpath('/usr/lib/x86_64-linux-gnu/libblas.so.3')))  # e.g. openblas-openmp
print(json.dumps({'train': train, 'infer': infer, 'threads': threads, 'blas': blas}))
