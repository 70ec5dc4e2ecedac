"""Loads a mango checkpoint / weights file into a timm-layout PyTorch ViT with strict=True and prints
its logits for a fixed input, so they can be compared with mango's. Offline check, not part of npm test.
usage: /usr/bin/python3 scripts/interop/load_in_pytorch.py FILE.safetensors
With timm installed, `timm.create_model('vit_...', img_size=28, patch_size=7, in_chans=1, embed_dim=D,
depth=L, num_heads=H, num_classes=10)` accepts the same state dict (same names and shapes)."""
import json, os, struct, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timm_vit import timm_vit

path = sys.argv[1]
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__", {})
state = {k: torch.frombuffer(bytearray(raw[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"]) for k, v in header.items()}
cfg = json.loads(meta["state"])["config"] if "state" in meta else json.loads(meta["config"])
D, L, H, P, C, IMG, K, R = cfg["dim"], cfg["depth"], cfg["heads"], cfg["patchSize"], cfg["channels"], cfg["imageSize"], cfg["classes"], cfg["mlpRatio"]

model = timm_vit(D, L, H, P, C, IMG, K, R)
model.load_state_dict(state, strict=True)
x = torch.arange(2 * C * IMG * IMG, dtype=torch.float32).reshape(2, C, IMG, IMG) % 17 / 17 - 0.5
print(json.dumps({"strict": True, "tensors": len(state), "logits": model(x).detach().reshape(-1).tolist()}))
