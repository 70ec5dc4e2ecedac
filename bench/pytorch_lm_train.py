"""Training-step throughput of the same GPT-2-style decoder in PyTorch on the CPU (forward, mean next-token
cross-entropy, backward, global-norm clipping, AdamW: the step ours runs), for comparison by
bench/train.bench.ts. The model is scripts/interop/hf_gpt2.py's GPT2LMHeadModel (Hugging Face names, gelu_new,
tied head unless --untied). Throughput is from the median step time, as in pytorch_vit_train.py.
usage: python3 bench/pytorch_lm_train.py DIM DEPTH HEADS BATCH STEPS [--vocab 256] [--context 128] [--mlp-ratio 4] [--untied]
Prints one JSON line: {"tokensPerSecond": ..., "sequencesPerSecond": ..., "torch", "threads", "blas": {...} (see torch_blas.py)}."""
import argparse, importlib.util, json, os, time
import torch
from torch import nn
from torch_blas import torch_facts, use_all_cores

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'interop', 'hf_gpt2.py')
spec = importlib.util.spec_from_file_location('hf_gpt2', path)
hf_gpt2 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hf_gpt2)

parser = argparse.ArgumentParser()
for name in ('dim', 'depth', 'heads', 'batch', 'steps'):
    parser.add_argument(name, type=int)
parser.add_argument('--vocab', type=int, default=256)
parser.add_argument('--context', type=int, default=128)
parser.add_argument('--mlp-ratio', type=int, default=4)
parser.add_argument('--untied', action='store_true')
args = parser.parse_args()

use_all_cores()
torch.manual_seed(0)
V, T = args.vocab, args.context

model = hf_gpt2.GPT2LMHeadModel(V, T, args.dim, args.depth, args.heads, args.mlp_ratio, tied=not args.untied)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
inputs, targets = torch.randint(0, V, (args.batch, T)), torch.randint(0, V, (args.batch, T))
def step():
    loss = nn.functional.cross_entropy(model(inputs).view(-1, V), targets.view(-1))
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
print(json.dumps({"tokensPerSecond": args.batch * T / median, "sequencesPerSecond": args.batch / median, **torch_facts()}))
