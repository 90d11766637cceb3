"""A local stand-in for the Telegram Bot API, and a client for simulated users."""

from bot.sandbox.client import (
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
from bot.sandbox.faults import Fault, FaultInjector, FaultRates
from bot.sandbox.limits import SandboxLimits
from bot.sandbox.server import BotApiSandbox
from bot.sandbox.state import Event

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
