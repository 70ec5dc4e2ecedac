"""Loads a mango checkpoint / weights file into a timm-layout PyTorch ViT with strict=True and prints
its logits for a fixed input, so they can be compared with mango's. Offline check, not part of npm test.
usage: /usr/bin/python3 scripts/interop/load_in_pytorch.py FILE.safetensors
With timm installed, `timm.create_model('vit_...', img_size=28, patch_size=7, in_chans=1, embed_dim=D,
depth=L, num_heads=H, num_classes=10)` accepts the same state dict (same names and shapes)."""
import json, struct, sys
import torch
from torch import nn

path = sys.argv[1]
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__", {})
state = {k: torch.frombuffer(bytearray(raw[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"]) for k, v in header.items()}
cfg = json.loads(meta["state"])["config"] if "state" in meta else json.loads(meta["config"])
D, L, H, P, C, IMG, K, R = cfg["dim"], cfg["depth"], cfg["heads"], cfg["patchSize"], cfg["channels"], cfg["imageSize"], cfg["classes"], cfg["mlpRatio"]

class Attention(nn.Module):
    def __init__(s): super().__init__(); s.qkv = nn.Linear(D, 3 * D); s.proj = nn.Linear(D, D)
    def forward(s, x):
        B, N, _ = x.shape
        q, k, v = s.qkv(x).reshape(B, N, 3, H, D // H).permute(2, 0, 3, 1, 4)
        return s.proj(((q @ k.transpose(-2, -1)) * (D // H) ** -0.5).softmax(-1).matmul(v).transpose(1, 2).reshape(B, N, D))
class Mlp(nn.Module):
    def __init__(s): super().__init__(); s.fc1 = nn.Linear(D, int(D * R)); s.fc2 = nn.Linear(int(D * R), D)
    def forward(s, x): return s.fc2(nn.functional.gelu(s.fc1(x)))
class Block(nn.Module):
    def __init__(s): super().__init__(); s.norm1 = nn.LayerNorm(D, eps=1e-6); s.attn = Attention(); s.norm2 = nn.LayerNorm(D, eps=1e-6); s.mlp = Mlp()
    def forward(s, x): x = x + s.attn(s.norm1(x)); return x + s.mlp(s.norm2(x))
class PatchEmbed(nn.Module):
    def __init__(s): super().__init__(); s.proj = nn.Conv2d(C, D, P, P)
    def forward(s, x): return s.proj(x).flatten(2).transpose(1, 2)
class ViT(nn.Module):
    def __init__(s):
        super().__init__()
        s.cls_token = nn.Parameter(torch.zeros(1, 1, D)); s.pos_embed = nn.Parameter(torch.zeros(1, (IMG // P) ** 2 + 1, D))
        s.patch_embed = PatchEmbed(); s.blocks = nn.Sequential(*[Block() for _ in range(L)]); s.norm = nn.LayerNorm(D, eps=1e-6); s.head = nn.Linear(D, K)
    def forward(s, x):
        x = torch.cat([s.cls_token.expand(x.shape[0], -1, -1), s.patch_embed(x)], 1) + s.pos_embed
        return s.head(s.norm(s.blocks(x))[:, 0])

model = ViT()
model.load_state_dict(state, strict=True)
x = torch.arange(2 * C * IMG * IMG, dtype=torch.float32).reshape(2, C, IMG, IMG) % 17 / 17 - 0.5
print(json.dumps({"strict": True, "tensors": len(state), "logits": model(x).detach().reshape(-1).tolist()}))
