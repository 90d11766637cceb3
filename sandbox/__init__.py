"""A local stand-in for the Telegram Bot API, and a client for simulated users."""

from sandbox.client import (
    Button,
    CallbackAnswer,
    ChatSnapshot,
    Press,
    SandboxClient,
    SandboxError,
    SeenMessage,
    SimulatedGroup,
    SimulatedUser,
)
from sandbox.faults import Fault, FaultInjector, FaultRates
from sandbox.limits import SandboxLimits
from sandbox.server import BotApiSandbox
from sandbox.state import Event

__all__ = [
    "BotApiSandbox",
    "Button",
    "CallbackAnswer",
    "ChatSnapshot",
    "Event",
    "Fault",
    "FaultInjector",
    "FaultRates",
    "Press",
    "SandboxClient",
    "SandboxError",
    "SandboxLimits",
    "SeenMessage",
    "SimulatedGroup",
    "SimulatedUser",
]
