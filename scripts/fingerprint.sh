#!/bin/bash
# usage: bash scripts/fingerprint.sh <tree> <outdir>
# A short training run and a Mango R=2 width+depth growth with operator training, on both backends, and the
# sha-256 of their tensor bytes: run it on two trees (before/after a refactor) and diff the outputs.
set -e
tree=$1; out=$2; rm -rf $out; mkdir -p $out
cd $tree
export XDG_RUNTIME_DIR=/tmp
for b in webgpu cpu; do
  npx mango train --config fmnist-d16-l2 --subset 1024 --test-subset 256 --steps 24 --eval-every 12 --batch 64 --lr 0.002 --backend $b --out $out/train-$b > $out/train-$b.log 2>&1
  ck=$(ls $out/train-$b/checkpoints/*.safetensors | grep -v optim | tail -1)
  npx mango grow --from $ck --to fmnist-d32-l4 --method mango --rank 2 --op-steps 6 --batch 64 --subset 1024 --test-subset 256 --backend $b --out $out/grow-$b > $out/grow-$b.log 2>&1
  for f in $ck $(ls $out/train-$b/checkpoints/*optim* | tail -1) $out/grow-$b/grown.safetensors; do
    python3 -c "
import sys,struct,hashlib
b=open(sys.argv[1],'rb').read(); n=struct.unpack('<Q',b[:8])[0]
print(hashlib.sha256(b[8+n:]).hexdigest()[:16], sys.argv[2])" $f $b:$(basename $f)
  done
  grep -h "accuracy\|%" $out/train-$b.log | grep -v img/s | tail -2
done
