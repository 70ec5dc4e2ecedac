"""Generates engine-goldens.json: a small MLP and a small attention block, forward and backward, in
PyTorch float64 from float32-representable inputs. Run offline with Debian's python3-torch:
    /usr/bin/python3 tests/goldens/make-engine-goldens.py
The JSON is committed; the tests never run Python."""
import json, math, os
import torch

torch.manual_seed(1234)
f64 = torch.float64

def param(*shape, scale=0.5):
    return (torch.randn(*shape) * scale).float().to(f64).requires_grad_(True)

def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]

def mlp():
    x = param(4, 6, scale=1.0)
    w1, b1, w2, b2 = param(8, 6), param(8), param(3, 8), param(3)
    labels = torch.tensor([0, 2, 1, 2])
    h = torch.nn.functional.gelu(x @ w1.T + b1)
    logits = h @ w2.T + b2
    loss = torch.nn.functional.cross_entropy(logits, labels, label_smoothing=0.1)
    loss.backward()
    tensors = dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2)
    return dict(
        inputs={k: dict(shape=list(v.shape), values=flat(v)) for k, v in tensors.items()} | {"labels": dict(shape=[4], values=[float(v) for v in labels])},
        logits=flat(logits), loss=float(loss),
        grads={k: flat(v.grad) for k, v in tensors.items()},
    )

def attention():
    B, T, D, H = 2, 5, 8, 2
    dh = D // H
    x = param(B, T, D, scale=1.0)
    ln_w, ln_b = (1 + param(D, scale=0.1)).detach().requires_grad_(True), param(D, scale=0.1)
    qkv_w, qkv_b, proj_w, proj_b = param(3 * D, D), param(3 * D), param(D, D), param(D)
    w_out = torch.randn(B, T, D).float().to(f64)
    h = torch.nn.functional.layer_norm(x, (D,), ln_w, ln_b, eps=1e-6)
    qkv = (h @ qkv_w.T + qkv_b).reshape(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), dim=-1)
    y = (attn @ v).transpose(1, 2).reshape(B, T, D)
    out = x + (y @ proj_w.T + proj_b)
    loss = (out * w_out).sum()
    loss.backward()
    tensors = dict(x=x, ln_w=ln_w, ln_b=ln_b, qkv_w=qkv_w, qkv_b=qkv_b, proj_w=proj_w, proj_b=proj_b)
    return dict(
        config=dict(B=B, T=T, D=D, H=H),
        inputs={k: dict(shape=list(v.shape), values=flat(v)) for k, v in tensors.items()} | {"w_out": dict(shape=[B, T, D], values=flat(w_out))},
        out=flat(out), loss=float(loss),
        grads={k: flat(v.grad) for k, v in tensors.items()},
    )

result = dict(generator="tests/goldens/make-engine-goldens.py", torch=torch.__version__, mlp=mlp(), attention=attention())
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "engine-goldens.json")
with open(path, "w") as f:
    json.dump(result, f)
print("wrote", path)
