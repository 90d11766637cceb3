"""`n1 demo`: the real N1 bot against the local sandbox, with simulated patients."""

from bot.demo.runner import DemoOptions, run_demo

__all__ = ["DemoOptions", "run_demo"]
