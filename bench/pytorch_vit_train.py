"""Training-step throughput of the same timm-layout ViT in PyTorch on the CPU (forward, backward, global-norm
clipping, AdamW: the step ours runs), for comparison by bench/train.bench.ts. Throughput is from the median
step time. usage: python3 bench/pytorch_vit_train.py DIM DEPTH HEADS BATCH STEPS
Prints one JSON line: {"imagesPerSecond": ..., "threads": ..., "torch": ...}."""
import json, os, sys, time
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'interop'))
from timm_vit import timm_vit

torch.set_num_threads(os.cpu_count() or 1)

dim, depth, heads, batch, steps = (int(v) for v in sys.argv[1:6])
torch.manual_seed(0)
P, C, IMG, K = 7, 1, 28, 10

model = timm_vit(dim, depth, heads, P, C, IMG, K)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
images, labels = torch.randn(batch, C, IMG, IMG), torch.randint(0, K, (batch,))
def step():
    loss = nn.functional.cross_entropy(model(images), labels, label_smoothing=0.1)
    optimizer.zero_grad(); loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
for _ in range(3): step()
times = []
for _ in range(steps):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
median = sorted(times)[len(times) // 2]
print(json.dumps({"imagesPerSecond": batch / median, "threads": torch.get_num_threads(), "torch": torch.__version__}))
