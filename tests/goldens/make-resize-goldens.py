"""Frozen Pillow resizes for tests/models/resize.test.ts: seeded random 8-bit images (grey and RGB) resized with
Image.resize(..., Image.BILINEAR) (antialiased: Pillow widens the filter when shrinking), down and up, square
and not. Run with Debian's /usr/bin/python3 (python3-pil); writes tests/goldens/resize-goldens.json."""
import json, os, random
from PIL import Image

random.seed(7)
cases = []
for (w, h, ow, oh, mode) in [(20, 24, 16, 16, 'RGB'), (28, 28, 16, 16, 'L'), (7, 5, 16, 16, 'L'), (32, 32, 8, 8, 'RGB'), (13, 9, 28, 28, 'RGB'), (64, 48, 28, 28, 'L')]:
    channels = 3 if mode == 'RGB' else 1
    pixels = [random.randrange(256) for _ in range(w * h * channels)]
    image = Image.frombytes(mode, (w, h), bytes(pixels))
    out = image.resize((ow, oh), Image.BILINEAR)
    cases.append({'width': w, 'height': h, 'channels': channels, 'outWidth': ow, 'outHeight': oh, 'pixels': pixels, 'expected': list(out.tobytes())})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'resize-goldens.json')
json.dump({'pillow': Image.__version__ if hasattr(Image, '__version__') else __import__('PIL').__version__, 'cases': cases}, open(path, 'w'))
print(f'wrote {path}: {len(cases)} cases')
