"""Short fixed texts around answering a check-in (button answers, notes, closed windows)."""

from __future__ import annotations

BUTTON_DID_NOT_WORK = "Sorry, that button didn't work."
SAVED_SHORT = "Saved"
SKIPPED_SHORT = "Skipped, that's fine"
CLOSED_SHORT = "This check-in has closed"
NOTE_SHORT = "Type your note"
NO_CONSENT_SHORT = "Not saved"

NO_CONSENT = (
    "I can only keep answers when you've said yes to that. Send /start if you'd like to set it up."
)
NOTE_PROMPT = (
    "Type your note and send it. It's kept with this check-in, just for you. "
    "Nobody reads it as it arrives, so for anything urgent call 999 or NHS 111."
)
NOTE_SAVED = "Thanks, your note is saved with your check-in."
NOTE_EMPTY = "That note looked empty, so I haven't saved anything. Tap “Add a note” to try again."
NOTE_LOST = "Sorry, I couldn't find the check-in for that note. Nothing was saved."
TODAYS_IS_HERE = "Today's check-in is here. Tap an answer whenever you're ready."

CHANGE_SAVED = "Your change is saved. Thank you."
# Where the next check-in would be named, when no days are chosen.
NO_NEXT_CHECKIN = "when you next choose days with /settings"
# The check-in days in words, when none are chosen ("Check-ins: no days chosen at 09:00").
NO_CHECKIN_DAYS = "no days chosen"


def closed(next_in_words: str) -> str:
    """A tap on a check-in whose window has passed."""
    return (
        "This check-in has closed, so that answer wasn't saved. "
        f"Your next one is on {next_in_words}."
    )


def done_today(next_in_words: str) -> str:
    """/checkin after today's check-in has closed."""
    return f"You've checked in today already. Your next check-in is on {next_in_words}."
