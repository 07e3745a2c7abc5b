"""CUDA detection that does not import torch where there can be no GPU."""

from __future__ import annotations

import sys

import pytest

from engine import device
from engine.words.trainer import SkipGramSettings


@pytest.fixture
def no_driver(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(device, "NVIDIA_DRIVER_FILE", tmp_path / "no-such-file")


def test_without_an_nvidia_driver_torch_is_never_asked(no_driver, monkeypatch):
    import torch

    def must_not_be_called() -> bool:
        raise AssertionError("torch.cuda was asked although no driver is loaded")

    monkeypatch.setattr(torch.cuda, "is_available", must_not_be_called)
    assert device.nvidia_driver_present() is False
    assert device.cuda_available() is False
    assert SkipGramSettings(device="auto").resolved_device() == ("cpu", "numba")


def test_with_a_driver_torch_decides(tmp_path, monkeypatch):
    import torch

    driver = tmp_path / "version"
    driver.write_text("NVRM version: test\n")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(device, "NVIDIA_DRIVER_FILE", driver)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device.nvidia_driver_present() is True
    assert device.cuda_available() is False
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.cuda_available() is True


def test_asking_for_cuda_without_a_driver_is_a_clear_error(no_driver):
    from engine.errors import EngineError

    with pytest.raises(EngineError, match="--device cuda"):
        SkipGramSettings(device="cuda").resolved_device()
