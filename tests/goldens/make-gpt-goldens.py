"""Writes tests/fixtures/hf-gpt2-d24-l2-h3/{model.safetensors, config.json}, a GPT-2 as Hugging Face saves it
(GPT2LMHeadModel state dict: transformer.* names, Conv1D in×out weights, lm_head.weight equal to wte since it
is tied, metadata {"format": "pt"}; config.json with model_type gpt2 and n_head), and
tests/goldens/gpt-goldens.json: the logits, mean next-token loss and gradients PyTorch (float64) computes from
exactly those weights. The safetensors bytes are written by hand from the format's spec. The config
(vocabulary 37, context 12, width 24, 2 layers, 3 heads of 8) is used by no other test.
Run offline with Debian's python3-torch:   /usr/bin/python3 tests/goldens/make-gpt-goldens.py"""
import json, os, struct, sys
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', 'scripts', 'interop'))
from hf_gpt2 import GPT2LMHeadModel

torch.manual_seed(19)
V, T, D, L, H = 37, 12, 24, 2, 3
model = GPT2LMHeadModel(V, T, D, L, H)
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith(('ln_1.weight', 'ln_2.weight', 'ln_f.weight')):
            p.copy_(1 + 0.1 * torch.randn_like(p))
        elif p.dim() == 1:
            p.copy_(0.05 * torch.randn_like(p))
        else:
            p.copy_(0.1 * torch.randn_like(p))

state = model.state_dict()   # lm_head.weight appears too (the tied wte), as in transformers
folder = os.path.join(here, '..', 'fixtures', 'hf-gpt2-d24-l2-h3')
os.makedirs(folder, exist_ok=True)
header, chunks, offset = {'__metadata__': {'format': 'pt'}}, [], 0
for name in sorted(state):
    raw = state[name].float().contiguous().numpy().tobytes()
    header[name] = {'dtype': 'F32', 'shape': list(state[name].shape), 'data_offsets': [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
text = json.dumps(header).encode()
text += b' ' * ((8 - len(text) % 8) % 8)
with open(os.path.join(folder, 'model.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))
with open(os.path.join(folder, 'config.json'), 'w') as f:
    json.dump(dict(model_type='gpt2', architectures=['GPT2LMHeadModel'], vocab_size=V, n_positions=T, n_embd=D, n_layer=L, n_head=H,
                   activation_function='gelu_new', layer_norm_epsilon=1e-5, tie_word_embeddings=True), f, indent=2)

model = model.double()
ids = torch.tensor([[int(v) for v in torch.randint(0, V, (T,))] for _ in range(2)])
inputs, targets = ids[:, :-1], ids[:, 1:]
logits = model(inputs)
loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
loss.backward()
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
grads = {n: flat(p.grad) for n, p in model.named_parameters() if n in ('transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.1.mlp.c_proj.weight', 'transformer.ln_f.weight', 'transformer.h.1.ln_1.bias')}
json.dump(dict(generator='tests/goldens/make-gpt-goldens.py', torch=torch.__version__, folder='tests/fixtures/hf-gpt2-d24-l2-h3',
               inputs=flat(inputs), targets=flat(targets), batch=2, length=T - 1, logits=flat(logits), loss=float(loss), grads=grads),
          open(os.path.join(here, 'gpt-goldens.json'), 'w'))
print('wrote', folder, 'and gpt-goldens.json; loss', float(loss))
