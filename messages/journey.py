"""What N1 says during onboarding, /settings, /pause, /resume and /stop.

Prompts come with their buttons; button data is built with `CallbackCodec.choice`, so taps
come back as `ChoiceTap(step, choice)`. Nothing here echoes back what a person typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.callbacks import CallbackCodec
from core.journey import MAX_ACTIVITY_LENGTH, Step, time_token, zone_token
from core.ports import Button, Keyboard, OutgoingMessage
from messages.when import WEEKDAY_NAMES

choice = CallbackCodec.choice

# Buttons offered for the time zone, most likely first for a UK physiotherapy service.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("UK (London)", "Europe/London"),
    ("Ireland (Dublin)", "Europe/Dublin"),
    ("Central Europe (Paris)", "Europe/Paris"),
    ("US East (New York)", "America/New_York"),
    ("India (Kolkata)", "Asia/Kolkata"),
    ("Australia (Sydney)", "Australia/Sydney"),
)
CHECKIN_TIMES = ("07:30", "08:00", "09:00", "12:00", "18:00", "20:00")
SUMMARY_TIMES = ("09:00", "12:00", "17:00", "18:00", "19:00", "20:00")
# The step /start's "carry on or start again?" buttons belong to.
RESTART = "restart"


def _rows(buttons: Sequence[Button], width: int) -> Keyboard:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))


JOIN_CODE_UNKNOWN = (
    "I couldn't find a group for the link you used, but that's fine: we can carry on, and "
    "your physiotherapy team can add you to their group later."
)

CONSENT = (
    "Before we start: can I keep your answers?\n\n"
    "Your answers are about your health, so I need your clear yes. I keep them so I can "
    "show you your own progress each week. I don't keep your name. Your physiotherapy team "
    "sees your answers only if you choose to share them. You can change your mind at any "
    "time: /privacy has a button for it and says more."
)
CONSENT_YES = "Yes, keep my answers"
CONSENT_NO = "No, not now"


def consent_prompt() -> OutgoingMessage:
    """The consent step: its own question, with a clear yes and a clear no."""
    return OutgoingMessage(
        CONSENT,
        (
            (Button(CONSENT_YES, choice(Step.CONSENT, "yes")),),
            (Button(CONSENT_NO, choice(Step.CONSENT, "no")),),
        ),
    )


DECLINED = (
    "That's fine. I haven't kept anything about you or your health. "
    "If you change your mind, just send /start."
)

DECLINED_AGAIN = (
    "That's fine. I won't keep anything new or send you anything. What I kept before stays "
    "until you send /delete. If you change your mind, just send /start."
)

ZONE = (
    "Which time zone are you in? It helps me send things at the right time for you.\n\n"
    "Tap one, or type your city (for example Leeds, New York or Kolkata)."
)


def zone_prompt(suggestions: Sequence[str] = ()) -> OutgoingMessage:
    """The time zone step: common zones, or the closest matches to what was typed."""
    if suggestions:
        text = "I found a few possible places. Which one is yours? Or type another city."
        buttons = [
            Button(zone.replace("_", " "), choice(Step.ZONE, zone_token(zone)))
            for zone in suggestions
        ]
    else:
        text = ZONE
        buttons = [
            Button(label, choice(Step.ZONE, zone_token(zone))) for label, zone in COMMON_ZONES
        ]
    return OutgoingMessage(text, _rows(buttons, 2))


ZONE_NOT_FOUND = (
    "Sorry, I couldn't find that place. Could you try the name of a nearby city, "
    "or tap one of the buttons?"
)

DAYS = "Which days would you like a check-in? Each one takes about a minute."


def days_prompt() -> OutgoingMessage:
    """The check-in days step."""
    return OutgoingMessage(
        DAYS + "\n\nYou can also type days, like “mon, wed, fri”.",
        (
            (
                Button("Every day", choice(Step.DAYS, "daily")),
                Button("Weekdays", choice(Step.DAYS, "weekdays")),
            ),
            (Button("Let me choose", choice(Step.DAYS, "pick")),),
        ),
    )


def days_pick_prompt(mask: int) -> OutgoingMessage:
    """Tap days on and off, then Done."""
    buttons = [
        Button(("✓ " if mask & (1 << day) else "") + name[:3], choice(Step.DAYS, f"t{day}"))
        for day, name in enumerate(WEEKDAY_NAMES)
    ]
    rows = (*_rows(buttons, 4), (Button("Done", choice(Step.DAYS, "done")),))
    return OutgoingMessage("Tap the days you'd like, then Done.", rows)


NO_DAYS_CHOSEN = "Pick at least one day, then tap Done."


def time_prompt(step: Step) -> OutgoingMessage:
    """The check-in time or summary time step."""
    if step is Step.TIME:
        text, options = "What time of day suits you for a check-in?", CHECKIN_TIMES
    else:
        text, options = "And what time on that day for your weekly summary?", SUMMARY_TIMES
    buttons = [Button(hhmm, choice(step, time_token(hhmm))) for hhmm in options]
    return OutgoingMessage(
        text + "\n\nTap one, or type a time like 7.30pm or 19:30.", _rows(buttons, 3)
    )


TIME_NOT_UNDERSTOOD = (
    "Sorry, I didn't understand that time. You could type it like 8am, 7.30pm or 19:30, "
    "or tap a button."
)


def summary_day_prompt() -> OutgoingMessage:
    """The weekly summary day step."""
    buttons = [
        Button(name[:3], choice(Step.SUMMARY_DAY, str(day)))
        for day, name in enumerate(WEEKDAY_NAMES)
    ]
    return OutgoingMessage(
        "Once a week I'll send you a short summary of how things have been going. "
        "Which day would you like it?",
        _rows(buttons, 4),
    )


def quiet_prompt(start: str, end: str) -> OutgoingMessage:
    """The quiet hours step, offering to keep the current window."""
    return OutgoingMessage(
        f"I won't send you anything between {start} and {end}. Does that suit you?",
        (
            (
                Button("Yes, keep that", choice(Step.QUIET, "keep")),
                Button("Change it", choice(Step.QUIET, "change")),
            ),
        ),
    )


QUIET_TYPING = (
    "Type the quiet hours as two times, from and to, like “22:00 to 07:00” or “10pm-7am”."
)
QUIET_NOT_UNDERSTOOD = "Sorry, I didn't get that. Please type two times, like “22:00 to 07:00”."


def activities_prompt(existing: Sequence[str]) -> OutgoingMessage:
    """The activities step: ask for the first, or show what we have and offer Done."""
    if not existing:
        return OutgoingMessage(
            "Last thing. What are one to three everyday things that matter to you, that you'd "
            "like to do more easily? For example: walking the dog, gardening, playing with "
            "the grandchildren.\n\nType the first one, in your own words."
        )
    listed = "\n".join(f"• {label}" for label in existing)
    return OutgoingMessage(
        f"Got it. So far:\n{listed}\n\nType another one, or tap Done.",
        ((Button("Done", choice(Step.ACTIVITIES, "done")),),),
    )


ACTIVITY_TOO_LONG = (
    f"That's a little long for me. Could you say it in {MAX_ACTIVITY_LENGTH} characters or fewer?"
)
ACTIVITY_EMPTY = "Could you type the activity in a few words?"
NEED_ONE_ACTIVITY = "Type at least one thing that matters to you, in a few words."


def all_set(next_checkins: Sequence[str]) -> str:
    """The end of onboarding, with the next check-in times."""
    upcoming = "\n".join(f"• {when}" for when in next_checkins)
    return (
        "Thank you, you're all set.\n\n"
        f"Your next check-ins:\n{upcoming}\n\n"
        "You can change any of this with /settings, take a break with /pause, "
        "and see everything I can do with /help.\n\n"
        "Now, a first check-in to give you a starting point."
    )


def resume_or_restart() -> OutgoingMessage:
    """/start in the middle of onboarding."""
    return OutgoingMessage(
        "Welcome back. You were part-way through setting up. Carry on where you left off, "
        "or start again?",
        (
            (
                Button("Carry on", choice(RESTART, "continue")),
                Button("Start again", choice(RESTART, "over")),
            ),
        ),
    )


FINISH_SETUP_FIRST = "Let's finish setting up first. Here's where we were:"
STALE_CHOICE = "That button is from an earlier step. Here's where we are now:"
# A tap with data that is not one of the tapped message's own buttons (any more).
BUTTON_NOT_ACTIVE = "That button no longer works here, so nothing changed."
CHOICE_NOTED = "Noted."
