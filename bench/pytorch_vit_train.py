"""Training-step throughput of the same timm-layout ViT in PyTorch on the CPU (forward, backward, global-norm
clipping, AdamW: the step ours runs), for comparison by bench/train.bench.ts. Throughput is from the median
step time. usage: python3 bench/pytorch_vit_train.py DIM DEPTH HEADS BATCH STEPS
  [--image 28] [--channels 1] [--patch 7] [--classes 10] [--mlp-ratio 4]
Prints one JSON line: {"imagesPerSecond": ..., "torch", "threads", "blas": {...} (see torch_blas.py)}."""
import argparse, json, os, sys, time
import torch
from torch import nn
from torch_blas import torch_facts, use_all_cores

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'interop'))
from timm_vit import timm_vit

parser = argparse.ArgumentParser()
for name in ('dim', 'depth', 'heads', 'batch', 'steps'):
    parser.add_argument(name, type=int)
parser.add_argument('--image', type=int, default=28)
parser.add_argument('--channels', type=int, default=1)
parser.add_argument('--patch', type=int, default=7)
parser.add_argument('--classes', type=int, default=10)
parser.add_argument('--mlp-ratio', type=float, default=4)
args = parser.parse_args()

use_all_cores()
torch.manual_seed(0)
C, IMG, K = args.channels, args.image, args.classes

model = timm_vit(args.dim, args.depth, args.heads, args.patch, C, IMG, K, args.mlp_ratio)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
images, labels = torch.randn(args.batch, C, IMG, IMG), torch.randint(0, K, (args.batch,))
def step():
    loss = nn.functional.cross_entropy(model(images), labels, label_smoothing=0.1)
    optimizer.zero_grad(); loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
for _ in range(min(3, args.steps)): step()
times = []
for _ in range(args.steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
median = sorted(times)[len(times) // 2]
print(json.dumps({"imagesPerSecond": args.batch / median, **torch_facts()}))
