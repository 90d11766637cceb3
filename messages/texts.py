"""Fixed texts that are the same for everyone: what N1 is, help, privacy, safety.

These are deliberately not varied: safety and privacy wording must stay exactly as reviewed.
"""

from __future__ import annotations

from core.callbacks import CallbackCodec
from core.ports import Button, OutgoingMessage

# The step of the privacy message's "withdraw my consent" button and of its confirmation.
WITHDRAW = "withdraw"

INTRO = (
    "Hello, I'm N1. I'm here to help you notice your own progress with persistent pain, "
    "a little at a time.\n\n"
    "Every so often I'll ask a few quick questions, each answered with one tap. Once a week "
    "I'll show you how things have been going for you, compared only with your own earlier "
    "weeks. Moving more freely, worrying less and doing more of what matters all count as "
    "progress, not just pain.\n\n"
    "What I am not: I'm not a medical service, and nobody reads these messages as they "
    "arrive. In an emergency call 999. For urgent advice that is not an emergency, call "
    "NHS 111."
)

_HELP = (
    "Here's what I can do:\n"
    "{commands}\n\n"
    "I'm not a medical service and I'm not watched in real time. In an emergency call 999; "
    "for urgent advice call NHS 111."
)

PRIVACY = (
    "Your privacy\n\n"
    "I only keep your answers if you agree to it. I don't keep your name. "
    "Your answers are used to show you your own progress. Your physiotherapy team sees them "
    "only if you choose to share.\n\n"
    "If something you type may need care or crisis support, I show you where to get help. "
    "I keep a note of which help I showed you and when, never what you typed.\n\n"
    "You can get a copy of everything with /export, stop all messages with /stop, and "
    "delete everything I keep with /delete.\n\n"
    "Telegram keeps its own copy of this chat, which I can't delete for you. "
    "Messages in Telegram bot chats are not end-to-end encrypted."
)

PRIVACY_WITHDRAW = (
    "You can also take back your yes to me keeping your answers, with the button below. "
    "I'll stop at once."
)
WITHDRAW_BUTTON = "Withdraw my consent"


def privacy(can_withdraw: bool) -> OutgoingMessage:
    """/privacy: what N1 keeps and who sees it; for someone whose consent is in force, a
    button to withdraw it."""
    if not can_withdraw:
        return OutgoingMessage(PRIVACY)
    button = Button(WITHDRAW_BUTTON, CallbackCodec.choice(WITHDRAW, "ask"))
    return OutgoingMessage(f"{PRIVACY}\n\n{PRIVACY_WITHDRAW}", ((button,),))


NOT_UNDERSTOOD = "I'm not sure what to do with that, sorry. /help shows what I can do."

SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side and that didn't go through. "
    "Nothing you did caused it. Please try again in a moment."
)

# The command menu Telegram shows, in order: command -> what it does.
COMMAND_MENU: dict[str, str] = {
    "checkin": "Check in now",
    "summary": "Your latest weekly summary",
    "settings": "See and change your choices",
    "pause": "Take a break from messages",
    "resume": "Start again after a pause",
    "help": "What I can do",
    "privacy": "What I keep and who sees it",
    "export": "Get a copy of your answers",
    "delete": "Delete everything I keep about you",
    "stop": "Stop all messages",
    "start": "Start, or pick up where you left off",
}


def help_text() -> str:
    """/help: every command with what it does, and the standing safety information."""
    lines = "\n".join(f"/{name} - {does}" for name, does in COMMAND_MENU.items())
    return _HELP.format(commands=lines)
