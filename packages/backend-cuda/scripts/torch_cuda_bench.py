#!/usr/bin/env python3
"""Runs apps/bench/torch_bench.py (the PyTorch side of the bench) on the GPU: tensors default to CUDA,
cudnn.benchmark is on, and the timer synchronizes the device so asynchronous work is counted.
Usage: torch_cuda_bench.py MODEL BATCH STEPS INFER_STEPS THREADS IMAGE_SIZE   (prints one JSON line)"""
import os, runpy, sys, time
import torch

torch.set_default_device('cuda')
torch.backends.cudnn.benchmark = True
_clock = time.perf_counter
time.perf_counter = lambda: (torch.cuda.synchronize(), _clock())[1]
script = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'apps', 'bench', 'torch_bench.py')
sys.argv = [script] + sys.argv[1:]
runpy.run_path(script, run_name='__main__')
