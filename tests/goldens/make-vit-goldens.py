"""Generates vit-goldens.json: a tiny timm-layout ViT (module names and shapes exactly as timm's
VisionTransformer: patch_embed.proj Conv2d, cls_token, pos_embed, blocks.i.{norm1,attn.qkv,attn.proj,
norm2,mlp.fc1,mlp.fc2}, norm, head) run in float64: logits, label-smoothed cross-entropy, every gradient.
Run offline with Debian's python3-torch:  /usr/bin/python3 tests/goldens/make-vit-goldens.py"""
import json, os, sys
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts', 'interop'))
from timm_vit import timm_vit

torch.manual_seed(7)
D, L, H, P, C, IMG, K = 32, 2, 2, 7, 1, 28, 10

model = timm_vit(D, L, H, P, C, IMG, K)
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
