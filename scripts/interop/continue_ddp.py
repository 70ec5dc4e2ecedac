"""Continue training a mango-grown ViT (or any timm-named mango weights file) in PyTorch, on as many
processes as you like, with DistributedDataParallel.

    torchrun --nproc_per_node=2 scripts/interop/continue_ddp.py --weights runs/grow/grown.safetensors \\
        --epochs 10 --out continued.safetensors                  # CPUs: gloo; GPUs: nccl, one per process

The recipe is `mango train`'s, so a run continued here is the run mango would have made (docs/pytorch.md):
- inputs: pixels/255, then (x - mean) / std per channel: Fashion-MNIST 0.286 / 0.353; CIFAR-10
  (0.4914, 0.4822, 0.4465) / (0.247, 0.2435, 0.2616); an image folder: the statistics of its training images;
- augmentation (unless --no-augment): a random translation by up to 2 pixels each way with zero fill (what
  torchvision's RandomCrop(size, padding=2) does), then a horizontal flip with probability 1/2;
- AdamW (betas 0.9 / 0.999, eps 1e-8), weight decay 0.05 on matrices only (not on norms, biases, cls_token,
  pos_embed), label smoothing 0.1, gradients clipped to global norm 1, linear warm-up over 5 % of the steps to
  --lr, then a cosine to --min-lr;
- one step is one global batch of --batch × processes images (drop the remainder of an epoch); --batch is
  per process, so scale --lr with the global batch if you change it.
Evaluation (test accuracy and cross-entropy without smoothing) runs on all processes over disjoint shards and
is summed, so step 0 prints exactly what `mango` reports for the same file. Prints one JSON line per event.
"""
import argparse, gzip, json, math, os, struct, sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timm_vit import timm_vit  # noqa: E402  (timm.create_model(...) accepts the same state dict)

STATS = {'fashion-mnist': ([0.286], [0.353]), 'cifar10': ([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616])}


def read_safetensors(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    tensors = {}
    for name, v in header.items():
        if v['dtype'] != 'F32':
            raise SystemExit(f'{path}: tensor {name} is {v["dtype"]}; this script reads F32 files (as mango writes them)')
        start, end = v['data_offsets']
        tensors[name] = torch.frombuffer(bytearray(raw[8 + n + start:8 + n + end]), dtype=torch.float32).reshape(v['shape'])
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        data = t.detach().cpu().contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    header['__metadata__'] = meta
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    os.replace(path + '.tmp', path)


def read_idx(path):
    raw = gzip.open(path).read() if path.endswith('.gz') else open(path, 'rb').read()
    rank = raw[3]
    dims = struct.unpack('>' + 'I' * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def fashion_mnist(folder):
    def pair(prefix):
        find = lambda base: next(p for p in (os.path.join(folder, base + '.gz'), os.path.join(folder, base)) if os.path.exists(p))
        return read_idx(find(f'{prefix}-images-idx3-ubyte'))[:, None], read_idx(find(f'{prefix}-labels-idx1-ubyte')).astype(np.int64)
    return pair('train'), pair('t10k')


def cifar10(folder):
    def read(files):
        raw = np.concatenate([np.fromfile(os.path.join(folder, f), dtype=np.uint8).reshape(-1, 3073) for f in files])
        return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)
    return read([f'data_batch_{b}.bin' for b in range(1, 6)]), read(['test_batch.bin'])


def normalise(pixels, mean, std):
    x = torch.from_numpy(np.ascontiguousarray(pixels)).float() / 255
    return (x - torch.tensor(mean).view(1, -1, 1, 1)) / torch.tensor(std).view(1, -1, 1, 1)


def augment(pixels, rng, pad=2):
    """mango's augmentation on uint8 images [B, C, H, W]: shift by (dy, dx) in [-pad, pad] with zero fill, then flip."""
    b, c, h, w = pixels.shape
    out = np.zeros_like(pixels)
    padded = np.zeros((c, h + 2 * pad, w + 2 * pad), dtype=pixels.dtype)
    for i in range(b):
        dy, dx = rng.integers(-pad, pad + 1, size=2)
        flip = rng.random() < 0.5
        padded[:, pad:pad + h, pad:pad + w] = pixels[i]
        crop = padded[:, pad + dy:pad + dy + h, pad + dx:pad + dx + w]
        out[i] = crop[:, :, ::-1] if flip else crop
    return out


def lr_at(step, base, warmup, total, minimum):
    if step < warmup:
        return base * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return minimum + 0.5 * (base - minimum) * (1 + math.cos(math.pi * progress))


def decays(name, p):
    return p.dim() > 1 and not name.endswith('cls_token') and not name.endswith('pos_embed')


@torch.no_grad()
def evaluate(model, images, labels, mean, std, rank, world, device):
    """Test accuracy and mean cross-entropy over all processes (each takes every world-th image)."""
    model.eval()
    correct, loss = torch.zeros((), dtype=torch.float64, device=device), torch.zeros((), dtype=torch.float64, device=device)
    shard = np.arange(rank, len(labels), world)
    for start in range(0, len(shard), 256):
        index = shard[start:start + 256]
        logits = model(normalise(images[index], mean, std).to(device))
        target = torch.from_numpy(labels[index]).to(device)
        loss += F.cross_entropy(logits.double(), target, reduction='sum')
        correct += (logits.argmax(1) == target).sum()
    dist.all_reduce(correct)
    dist.all_reduce(loss)
    model.train()
    return correct.item() / len(labels), loss.item() / len(labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--weights', required=True, help='a mango safetensors file (grown.safetensors, --weights-out, a checkpoint)')
    ap.add_argument('--data', default='fashion-mnist', choices=['fashion-mnist', 'cifar10'])
    ap.add_argument('--data-dir', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--epochs', type=float, default=1)
    ap.add_argument('--steps', type=int, help='total steps (overrides --epochs)')
    ap.add_argument('--batch', type=int, default=128, help='images per process per step')
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--min-lr', type=float, default=1e-5)
    ap.add_argument('--warmup', type=int, help='warm-up steps (default 5 %% of the steps)')
    ap.add_argument('--weight-decay', type=float, default=0.05)
    ap.add_argument('--label-smoothing', type=float, default=0.1)
    ap.add_argument('--clip', type=float, default=1.0)
    ap.add_argument('--no-augment', action='store_true')
    ap.add_argument('--subset', type=int, help='only the first n training images')
    ap.add_argument('--test-subset', type=int, help='only the first n test images')
    ap.add_argument('--eval-every', type=int, help='evaluate every n steps (default: each epoch)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', help='write the final weights here (timm names, mango metadata: loads in mango and timm)')
    a = ap.parse_args()

    cuda = torch.cuda.is_available()
    dist.init_process_group('nccl' if cuda else 'gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f'cuda:{int(os.environ.get("LOCAL_RANK", 0))}') if cuda else torch.device('cpu')
    if cuda:
        torch.cuda.set_device(device)
    say = (lambda event: print(json.dumps(event), flush=True)) if rank == 0 else (lambda event: None)

    state, meta = read_safetensors(a.weights)
    cfg = json.loads(meta['state'])['config'] if 'state' in meta else json.loads(meta['config'])
    if cfg.get('dropout', 0) or cfg.get('dropPath', 0):
        say({'event': 'note', 'text': 'the file records dropout / drop-path; this script trains without them'})
    model = timm_vit(cfg['dim'], cfg['depth'], cfg['heads'], cfg['patchSize'], cfg['channels'], cfg['imageSize'], cfg['classes'], cfg['mlpRatio'])
    model.load_state_dict(state, strict=True)
    model.to(device)

    (train_x, train_y), (test_x, test_y) = (fashion_mnist if a.data == 'fashion-mnist' else cifar10)(a.data_dir)
    if a.subset:
        train_x, train_y = train_x[:a.subset], train_y[:a.subset]
    if a.test_subset:
        test_x, test_y = test_x[:a.test_subset], test_y[:a.test_subset]
    mean, std = STATS[a.data]
    global_batch = a.batch * world
    per_epoch = len(train_y) // global_batch
    if per_epoch == 0:
        raise SystemExit(f'a global batch of {global_batch} is larger than the {len(train_y)} training images')
    steps = a.steps or max(1, round(per_epoch * a.epochs))
    warmup = a.warmup if a.warmup is not None else round(0.05 * steps)
    eval_every = a.eval_every or per_epoch

    ddp = DistributedDataParallel(model, device_ids=[device.index] if cuda else None)
    named = list(model.named_parameters())
    optimizer = torch.optim.AdamW([
        {'params': [p for n, p in named if decays(n, p)], 'weight_decay': a.weight_decay},
        {'params': [p for n, p in named if not decays(n, p)], 'weight_decay': 0.0},
    ], lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    say({'event': 'start', 'processes': world, 'backend': dist.get_backend(), 'config': cfg, 'steps': steps, 'global_batch': global_batch, 'warmup': warmup})
    accuracy, loss = evaluate(model, test_x, test_y, mean, std, rank, world, device)
    say({'event': 'eval', 'step': 0, 'test_accuracy': accuracy, 'test_loss': loss})

    for step in range(steps):
        epoch, batch = divmod(step, per_epoch)
        order = np.random.default_rng([a.seed, epoch]).permutation(len(train_y))
        index = order[batch * global_batch:(batch + 1) * global_batch][rank::world]
        pixels = train_x[index]
        if not a.no_augment:
            pixels = augment(pixels, np.random.default_rng([a.seed, epoch, batch, rank]))
        for group in optimizer.param_groups:
            group['lr'] = lr_at(step, a.lr, warmup, steps, a.min_lr)
        logits = ddp(normalise(pixels, mean, std).to(device))
        train_loss = F.cross_entropy(logits, torch.from_numpy(train_y[index]).to(device), label_smoothing=a.label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        train_loss.backward()
        if a.clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        optimizer.step()
        mean_loss = train_loss.detach().clone()
        dist.all_reduce(mean_loss)
        say({'event': 'train', 'step': step + 1, 'epoch': epoch, 'loss': mean_loss.item() / world, 'lr': optimizer.param_groups[0]['lr']})
        if (step + 1) % eval_every == 0 or step + 1 == steps:
            accuracy, loss = evaluate(model, test_x, test_y, mean, std, rank, world, device)
            say({'event': 'eval', 'step': step + 1, 'test_accuracy': accuracy, 'test_loss': loss})

    # Every process holds the same weights after DDP's all-reduced steps: check it, then rank 0 saves them.
    checksum = torch.stack([p.detach().double().sum() for p in model.parameters()]).sum().reshape(1)
    gathered = [torch.zeros_like(checksum) for _ in range(world)]
    dist.all_gather(gathered, checksum)
    say({'event': 'done', 'steps': steps, 'replicas_agree': all(torch.equal(g, gathered[0]) for g in gathered)})
    if a.out and rank == 0:
        write_safetensors(a.out, model.state_dict(), {'format': 'mango-weights', 'config': json.dumps(cfg),
                                                      'continuedFrom': a.weights, 'command': ' '.join(sys.argv), 'steps': str(steps)})
        say({'event': 'wrote', 'path': a.out})
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
