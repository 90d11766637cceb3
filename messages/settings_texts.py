"""What N1 says in /settings, /pause, /resume, /stop and /start for someone already set up."""

from __future__ import annotations

from collections.abc import Sequence

from core.callbacks import CallbackCodec
from core.journey import Step
from core.ports import Button, OutgoingMessage
from messages.texts import WITHDRAW
from messages.when import WEEKDAY_NAMES, describe_days

choice = CallbackCodec.choice
# The steps of the settings menu's, /pause's and /delete's buttons; "pain" is the menu's
# choice that turns the pain question on or off.
SETTINGS = "set"
PAUSE = "pause"
DELETE = "delete"
PAIN = "pain"


def settings_menu(
    *,
    zone: str,
    days_mask: int,
    checkin_time: str,
    summary_weekday: int,
    summary_time: str,
    quiet: tuple[str, str],
    activities: Sequence[str],
    ask_about_pain: bool,
    upcoming: Sequence[str],
) -> OutgoingMessage:
    """/settings: every choice in words, the next three check-ins, and what to change."""
    listed = "; ".join(activities) if activities else "none yet"
    next_lines = "\n".join(f"• {when}" for when in upcoming) or "• none: no days are chosen"
    text = (
        "Your settings\n\n"
        f"• Time zone: {zone}\n"
        f"• Check-ins: {describe_days(days_mask)} at {checkin_time}\n"
        f"• Weekly summary: {WEEKDAY_NAMES[summary_weekday]} at {summary_time}\n"
        f"• Quiet hours: {quiet[0]} to {quiet[1]}\n"
        f"• What matters to you: {listed}\n"
        f"• Question about pain: {'on' if ask_about_pain else 'off'}\n\n"
        f"Your next check-ins:\n{next_lines}\n\n"
        "What would you like to change?"
    )
    rows = (
        (
            Button("Time zone", choice(SETTINGS, Step.ZONE)),
            Button("Days", choice(SETTINGS, Step.DAYS)),
        ),
        (
            Button("Check-in time", choice(SETTINGS, Step.TIME)),
            Button("Summary day", choice(SETTINGS, Step.SUMMARY_DAY)),
        ),
        (
            Button("Summary time", choice(SETTINGS, Step.SUMMARY_TIME)),
            Button("Quiet hours", choice(SETTINGS, Step.QUIET)),
        ),
        (
            Button("What matters to me", choice(SETTINGS, Step.ACTIVITIES)),
            Button("Pain question on/off", choice(SETTINGS, PAIN)),
        ),
    )
    return OutgoingMessage(text, rows)


ACTIVITIES_PROMPT = (
    "Type one to three things that matter to you, one per line. They replace the ones you "
    "have now."
)


def pain_question(asked: bool) -> str:
    """What turning the pain question on or off did."""
    if asked:
        return "I'll ask how much pain took centre stage now and then"
    return "I won't ask about pain in check-ins"


def setting_now(
    step: Step,
    *,
    zone: str,
    days_mask: int,
    checkin_time: str,
    summary_weekday: int,
    summary_time: str,
    quiet: tuple[str, str],
    activities: Sequence[str],
) -> str:
    """What a setting is now, after a change ("your check-ins are now at 09:00")."""
    match step:
        case Step.ZONE:
            return f"your time zone is now {zone}"
        case Step.DAYS:
            return f"your check-ins are now {describe_days(days_mask)}"
        case Step.TIME:
            return f"your check-ins are now at {checkin_time}"
        case Step.SUMMARY_DAY | Step.SUMMARY_TIME:
            day = WEEKDAY_NAMES[summary_weekday]
            return f"your weekly summary now comes on {day} at {summary_time}"
        case Step.QUIET:
            return f"quiet hours are now {quiet[0]} to {quiet[1]}"
        case _:
            return "what matters to you is now: " + "; ".join(activities)


ALREADY_SET_UP = "you're all set up"


def changed(what: str, next_checkin: str | None) -> str:
    """Confirmation of a change, with when the next check-in now is."""
    after = f" Your next check-in is on {next_checkin}." if next_checkin else ""
    return f"Done: {what}.{after}"


def pause_prompt() -> OutgoingMessage:
    """/pause: how long for."""
    return OutgoingMessage(
        "Taking a break is fine. How long would you like to pause for? "
        "I won't send anything until then.",
        (
            (Button("A day", choice(PAUSE, "day")), Button("A week", choice(PAUSE, "week"))),
            (Button("Until I say", choice(PAUSE, "open")),),
        ),
    )


def paused(until: str | None) -> str:
    """Confirmation of a pause."""
    if until is None:
        return "Paused. I won't send you anything until you send /resume."
    return f"Paused until {until}. Send /resume any time to start again sooner."


def resumed(next_checkin: str | None) -> str:
    """Confirmation of /resume (or /start after a pause or stop)."""
    after = f" Your next check-in is on {next_checkin}." if next_checkin else ""
    return f"Welcome back, it's good to see you.{after}"


NOT_PAUSED = "You're not paused, so there's nothing to resume."
STOPPED = (
    "I've stopped, and I won't send you anything else. Your answers are kept in case you "
    "come back; /start brings me back whenever you like."
)
ALREADY_STOPPED = "I'm already stopped. Send /start whenever you'd like me back."
ALL_SET_UP = "You're all set up."
NOT_STARTED = "We haven't met yet. Send /start and I'll explain what I do."


def delete_prompt() -> OutgoingMessage:
    """/delete: say what goes, and ask for a clear yes."""
    return OutgoingMessage(
        "This deletes everything I keep about you: your answers, notes, activities and "
        "settings. It can't be undone. If you'd like a copy first, send /export.\n\n"
        "Telegram keeps its own copy of this chat, which I can't delete; you can clear the "
        "chat in Telegram yourself.",
        (
            (Button("Yes, delete everything", choice(DELETE, "yes")),),
            (Button("No, keep it", choice(DELETE, "no")),),
        ),
    )


def withdraw_prompt() -> OutgoingMessage:
    """Confirming a withdrawal of consent: what stops, what stays, a clear yes or no."""
    return OutgoingMessage(
        "Take back your yes? I'll stop at once: no more check-ins, reminders or summaries, "
        "and I won't keep anything new.\n\n"
        "What I've kept so far stays until you ask me to delete it. /export and /delete "
        "still work.",
        (
            (Button("Yes, withdraw my consent", choice(WITHDRAW, "yes")),),
            (Button("No, carry on", choice(WITHDRAW, "no")),),
        ),
    )


def withdrawn(retention_months: int) -> str:
    """After a withdrawal: what stopped, what stays and for how long, and the way back."""
    return (
        "Done. I've stopped, and I won't keep anything new or send you anything else.\n\n"
        "What I kept before stays until you send /delete, or until "
        f"{retention_months} months pass without a word from you; then I delete it myself. "
        "/export still gives you a copy of it.\n\n"
        "If you'd like to begin again, send /start and I'll ask for your yes first."
    )


WITHDRAW_KEPT = "Nothing has changed. I'll carry on as before."
WITHDRAWN_SHORT = "Consent withdrawn"
NOTHING_TO_WITHDRAW = (
    "You haven't said yes to me keeping your answers, so there's nothing to take back."
)

DELETED = (
    "Done. I've deleted everything I kept about you, and I won't send you anything else. "
    "Telegram still has its own copy of this chat. Send /start if you ever want to begin again."
)
KEPT = "Nothing was deleted."
DELETED_SHORT = "Deleted"
PAUSED_SHORT = "Paused"
EXPORT_CAPTION_JSON = "Everything I keep about you, as JSON."
EXPORT_CAPTION_CSV = "Your answers, one per row, for a spreadsheet."
EXPORT_INTRO = "Here's a copy of everything you've given me. It's yours to keep."
