"""A PyTorch ViT with exactly timm's VisionTransformer module names, shapes and math (pre-LN, fused qkv,
GELU, cls token, LayerNorm eps 1e-6), for the offline checks: interop, goldens, the PyTorch benchmark."""
import torch
from torch import nn


def timm_vit(dim, depth, heads, patch, channels, image, classes, mlp_ratio=4):
    hidden = int(dim * mlp_ratio)
    tokens = (image // patch) ** 2 + 1

    class Attention(nn.Module):
        def __init__(s):
            super().__init__(); s.qkv = nn.Linear(dim, 3 * dim); s.proj = nn.Linear(dim, dim)

        def forward(s, x):
            b, n, _ = x.shape
            q, k, v = s.qkv(x).reshape(b, n, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
            a = (q @ k.transpose(-2, -1) * (dim // heads) ** -0.5).softmax(-1)
            return s.proj((a @ v).transpose(1, 2).reshape(b, n, dim))

    class Mlp(nn.Module):
        def __init__(s):
            super().__init__(); s.fc1 = nn.Linear(dim, hidden); s.fc2 = nn.Linear(hidden, dim)

        def forward(s, x):
            return s.fc2(nn.functional.gelu(s.fc1(x)))

    class Block(nn.Module):
        def __init__(s):
            super().__init__()
            s.norm1 = nn.LayerNorm(dim, eps=1e-6); s.attn = Attention(); s.norm2 = nn.LayerNorm(dim, eps=1e-6); s.mlp = Mlp()

        def forward(s, x):
            x = x + s.attn(s.norm1(x))
            return x + s.mlp(s.norm2(x))

    class PatchEmbed(nn.Module):
        def __init__(s):
            super().__init__(); s.proj = nn.Conv2d(channels, dim, patch, patch)

        def forward(s, x):
            return s.proj(x).flatten(2).transpose(1, 2)

    class ViT(nn.Module):
        def __init__(s):
            super().__init__()
            s.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
            s.pos_embed = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
            s.patch_embed = PatchEmbed(); s.blocks = nn.Sequential(*[Block() for _ in range(depth)])
            s.norm = nn.LayerNorm(dim, eps=1e-6); s.head = nn.Linear(dim, classes)

        def forward(s, x):
            x = torch.cat([s.cls_token.expand(x.shape[0], -1, -1), s.patch_embed(x)], 1) + s.pos_embed
            return s.head(s.norm(s.blocks(x))[:, 0])

    return ViT()
