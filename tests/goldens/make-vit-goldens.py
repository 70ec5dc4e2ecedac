"""Generates vit-goldens.json: a tiny timm-layout ViT (module names and shapes exactly as timm's
VisionTransformer: patch_embed.proj Conv2d, cls_token, pos_embed, blocks.i.{norm1,attn.qkv,attn.proj,
norm2,mlp.fc1,mlp.fc2}, norm, head) run in float64: logits, label-smoothed cross-entropy, every gradient.
Run offline with Debian's python3-torch:  /usr/bin/python3 tests/goldens/make-vit-goldens.py"""
import json, os
import torch
from torch import nn

torch.manual_seed(7)
D, L, H, P, C, IMG, K = 32, 2, 2, 7, 1, 28, 10
T = (IMG // P) ** 2 + 1

class Attention(nn.Module):
    def __init__(s):
        super().__init__(); s.qkv = nn.Linear(D, 3 * D); s.proj = nn.Linear(D, D)
    def forward(s, x):
        B, N, _ = x.shape
        q, k, v = s.qkv(x).reshape(B, N, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-2, -1) * (D // H) ** -0.5).softmax(-1)
        return s.proj((a @ v).transpose(1, 2).reshape(B, N, D))

class Mlp(nn.Module):
    def __init__(s):
        super().__init__(); s.fc1 = nn.Linear(D, 4 * D); s.fc2 = nn.Linear(4 * D, D)
    def forward(s, x): return s.fc2(nn.functional.gelu(s.fc1(x)))

class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.norm1 = nn.LayerNorm(D, eps=1e-6); s.attn = Attention(); s.norm2 = nn.LayerNorm(D, eps=1e-6); s.mlp = Mlp()
    def forward(s, x):
        x = x + s.attn(s.norm1(x)); return x + s.mlp(s.norm2(x))

class PatchEmbed(nn.Module):
    def __init__(s):
        super().__init__(); s.proj = nn.Conv2d(C, D, P, P)
    def forward(s, x): return s.proj(x).flatten(2).transpose(1, 2)

class ViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.cls_token = nn.Parameter(torch.randn(1, 1, D) * 0.02)
        s.pos_embed = nn.Parameter(torch.randn(1, T, D) * 0.02)
        s.patch_embed = PatchEmbed(); s.blocks = nn.Sequential(*[Block() for _ in range(L)])
        s.norm = nn.LayerNorm(D, eps=1e-6); s.head = nn.Linear(D, K)
    def forward(s, x):
        x = torch.cat([s.cls_token.expand(x.shape[0], -1, -1), s.patch_embed(x)], 1) + s.pos_embed
        return s.head(s.norm(s.blocks(x))[:, 0])

model = ViT()
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm.weight":
            p.copy_(1 + 0.1 * torch.randn_like(p))
        elif not name.endswith("weight") or p.dim() == 1:
            p.copy_(0.05 * torch.randn_like(p))
        else:
            p.copy_(torch.randn_like(p) * 0.1)
model = model.double()
images = torch.rand(3, C, IMG, IMG).float().double()
labels = torch.tensor([3, 0, 9])
logits = model(images)
loss = nn.functional.cross_entropy(logits, labels, label_smoothing=0.1)
loss.backward()
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
state = model.state_dict()
result = dict(
    generator="tests/goldens/make-vit-goldens.py", torch=torch.__version__,
    config=dict(imageSize=IMG, channels=C, patchSize=P, dim=D, depth=L, heads=H, mlpRatio=4, classes=K, dropout=0, dropPath=0),
    names=list(state.keys()),
    params={k: dict(shape=list(v.shape), values=flat(v)) for k, v in state.items()},
    images=dict(shape=list(images.shape), values=flat(images)), labels=[int(v) for v in labels],
    logits=flat(logits), loss=float(loss),
    grads={k: flat(p.grad) for k, p in model.named_parameters()},
)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vit-goldens.json")
json.dump(result, open(path, "w"))
print("wrote", path, len(result["names"]), "tensors")
