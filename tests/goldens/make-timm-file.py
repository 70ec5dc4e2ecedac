"""Writes tests/fixtures/timm-vit-d32-l2-h4.safetensors, a pretrained-model file as PyTorch users publish them:
timm VisionTransformer names, no mango metadata (only {"format": "pt"}), names in sorted order, mixed dtypes
(blocks.0.* in F16, blocks.1.* in BF16, the rest F32), no attention qkv bias in block 1 (timm qkv_bias=False
style), and tests/goldens/timm-file-logits.json: the logits PyTorch computes from exactly those weights
(float64) on three images. The safetensors bytes are written here by hand from the format's spec, so the
test checks mango's reader against an independent writer. Run offline with Debian's python3-torch:
    /usr/bin/python3 tests/goldens/make-timm-file.py"""
import json, os, struct, sys
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'scripts', 'interop'))
from timm_vit import timm_vit

torch.manual_seed(11)
D, L, H, P, C, IMG, K = 32, 2, 4, 7, 1, 28, 10
model = timm_vit(D, L, H, P, C, IMG, K)
dtypes = {}
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith(('norm1.weight', 'norm2.weight')) or name == 'norm.weight':
            p.copy_(1 + 0.1 * torch.randn_like(p))
        elif p.dim() == 1 or name in ('cls_token', 'pos_embed'):
            p.copy_(0.05 * torch.randn_like(p))
        else:
            p.copy_(0.1 * torch.randn_like(p))
        if name == 'blocks.1.attn.qkv.bias':
            p.zero_()
        kind = torch.float16 if name.startswith('blocks.0.') else torch.bfloat16 if name.startswith('blocks.1.') else torch.float32
        p.copy_(p.to(kind).float())  # the logits below come from the stored (rounded) values
        dtypes[name] = kind

state = {k: v for k, v in model.state_dict().items() if k != 'blocks.1.attn.qkv.bias'}
codes = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16'}
header, chunks, offset = {'__metadata__': {'format': 'pt'}}, [], 0
for name in sorted(state):
    t = state[name].to(dtypes[name]).contiguous()
    raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
    header[name] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
text = json.dumps(header).encode()
text += b' ' * ((8 - len(text) % 8) % 8)
with open(os.path.join(here, '..', 'fixtures', 'timm-vit-d32-l2-h4.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))

images = torch.rand(3, C, IMG, IMG)
logits = model.double()(images.double())
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
json.dump(dict(generator='tests/goldens/make-timm-file.py', torch=torch.__version__, file='tests/fixtures/timm-vit-d32-l2-h4.safetensors',
               config=dict(imageSize=IMG, channels=C, patchSize=P, dim=D, depth=L, heads=H, mlpRatio=4, classes=K),
               images=dict(shape=list(images.shape), values=flat(images)), logits=flat(logits)),
          open(os.path.join(here, 'timm-file-logits.json'), 'w'))
print('wrote', len(state), 'tensors,', offset, 'data bytes')
