"""Training-step throughput of the same timm-layout ViT in PyTorch on the CPU (forward, backward, AdamW),
for comparison by bench/train.bench.ts. usage: python3 bench/pytorch_vit_train.py DIM DEPTH HEADS BATCH STEPS
Prints one JSON line: {"imagesPerSecond": ..., "threads": ..., "torch": ...}."""
import json, os, sys, time
import torch

torch.set_num_threads(os.cpu_count() or 1)
from torch import nn

dim, depth, heads, batch, steps = (int(v) for v in sys.argv[1:6])
torch.manual_seed(0)
P, C, IMG, K = 7, 1, 28, 10
T = (IMG // P) ** 2 + 1

class Attention(nn.Module):
    def __init__(s):
        super().__init__(); s.qkv = nn.Linear(dim, 3 * dim); s.proj = nn.Linear(dim, dim)
    def forward(s, x):
        B, N, _ = x.shape
        q, k, v = s.qkv(x).reshape(B, N, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
        return s.proj(nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(B, N, dim)) \
            if hasattr(nn.functional, "scaled_dot_product_attention") else \
            s.proj(((q @ k.transpose(-2, -1)) * (dim // heads) ** -0.5).softmax(-1).matmul(v).transpose(1, 2).reshape(B, N, dim))

class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.norm1 = nn.LayerNorm(dim, eps=1e-6); s.attn = Attention(); s.norm2 = nn.LayerNorm(dim, eps=1e-6)
        s.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
    def forward(s, x):
        x = x + s.attn(s.norm1(x)); return x + s.mlp(s.norm2(x))

class ViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.cls_token = nn.Parameter(torch.zeros(1, 1, dim)); s.pos_embed = nn.Parameter(torch.randn(1, T, dim) * 0.02)
        s.proj = nn.Conv2d(C, dim, P, P); s.blocks = nn.Sequential(*[Block() for _ in range(depth)])
        s.norm = nn.LayerNorm(dim, eps=1e-6); s.head = nn.Linear(dim, K)
    def forward(s, x):
        x = torch.cat([s.cls_token.expand(x.shape[0], -1, -1), s.proj(x).flatten(2).transpose(1, 2)], 1) + s.pos_embed
        return s.head(s.norm(s.blocks(x))[:, 0])

model = ViT()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
images, labels = torch.randn(batch, C, IMG, IMG), torch.randint(0, K, (batch,))
def step():
    loss = nn.functional.cross_entropy(model(images), labels, label_smoothing=0.1)
    optimizer.zero_grad(); loss.backward(); optimizer.step()
for _ in range(3): step()
start = time.perf_counter()
for _ in range(steps): step()
seconds = time.perf_counter() - start
print(json.dumps({"imagesPerSecond": batch * steps / seconds, "threads": torch.get_num_threads(), "torch": torch.__version__}))
