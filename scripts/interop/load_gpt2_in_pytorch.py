"""Loads a decoder file that mango wrote with Hugging Face GPT-2 names into a GPT2LMHeadModel-layout PyTorch
module with strict=True (a tied head's lm_head.weight filled from wte, as transformers' tie_weights does) and
prints its logits on given token ids as JSON. Offline check run by scripts/interop/check-gpt2.ts.
usage: /usr/bin/python3 scripts/interop/load_gpt2_in_pytorch.py FILE.safetensors IDS_JSON"""
import json, os, struct, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_gpt2 import GPT2LMHeadModel

path, ids = sys.argv[1], json.loads(sys.argv[2])
raw = open(path, 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
meta = header.pop('__metadata__', {})
assert meta.get('format') == 'pt', 'transformers reads only safetensors files whose metadata says format pt'
state = {k: torch.frombuffer(bytearray(raw[8 + n + v['data_offsets'][0]: 8 + n + v['data_offsets'][1]]), dtype=torch.float32).reshape(v['shape']) for k, v in header.items()}
cfg = json.loads(meta['config'])
tied = 'lm_head.weight' not in state
if tied:
    state['lm_head.weight'] = state['transformer.wte.weight']
model = GPT2LMHeadModel(cfg['vocabSize'], cfg['context'], cfg['dim'], cfg['depth'], cfg['heads'], int(cfg['mlpRatio']), tied=cfg['tiedHead'])
model.load_state_dict(state, strict=True)
with torch.no_grad():
    logits = model(torch.tensor(ids))
print(json.dumps({'strict': True, 'tied': tied, 'tensors': len(header), 'logits': logits.reshape(-1).tolist()}))
