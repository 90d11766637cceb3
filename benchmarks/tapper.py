"""Simulated people tapping a button, in a process of their own (people's phones are not in
N1's process, and their HTTP client costs about as much CPU per tap as N1 itself).

`python -m benchmarks.tapper URL BOT_ID RATE LABEL`, with a JSON list of user ids on stdin:
each user taps `LABEL` on their newest message that has it, one after another at `RATE`
taps a second whatever happens to the taps before (a fixed offered rate: nobody waits for
the bot before tapping). Then it waits for the bot's answers to the taps (the sandbox's
`answerCallbackQuery` calls) and prints one JSON object: when each tap was pressed and when
the sandbox had its answer, both on `time.monotonic()`, which on Linux is one clock for
every process (the sandbox's call log uses it too). Imports only the sandbox's client.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from sandbox import SandboxClient

# Wait this long after the last tap for the last answers (then they count as unanswered).
PATIENCE = 30.0
POLL = 0.05


async def tap(url: str, bot_id: int, rate: float, label: str, users: list[int]) -> dict[str, Any]:
    """Everyone taps `label` at `rate` a second; press and answer times per user."""
    presses: dict[int, float] = {}
    answers: dict[int, float] = {}
    async with SandboxClient(url, bot_id=bot_id, timeout=PATIENCE) as client:
        seen = int((await client.stats())["events"])
        people = [client.user(user) for user in users]

        async def press(index: int) -> None:
            person = people[index]
            pressed = time.monotonic()
            await person.press(label)
            presses[person.id] = pressed

        tasks: list[asyncio.Task[None]] = []
        start = time.monotonic() + 0.1
        for index in range(len(people)):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(press(index)))
        await asyncio.gather(*tasks)
        wanted = set(users)
        deadline = time.monotonic() + PATIENCE
        while len(answers) < len(wanted) and time.monotonic() < deadline:
            await asyncio.sleep(POLL)
            for event in await client.events(method="answerCallbackQuery", since=seen):
                seen = max(seen, int(event["seq"]))
                chat = event["chat_id"]
                if event["ok"] and chat in wanted and chat not in answers:
                    answers[chat] = float(event["monotonic"])
    return {
        "presses": [[user, moment] for user, moment in presses.items()],
        "answers": [[user, moment] for user, moment in answers.items()],
    }


def main(argv: list[str]) -> int:
    """The process's entry point."""
    url, bot_id, rate, label = argv[0], int(argv[1]), float(argv[2]), argv[3]
    users = [int(user) for user in json.loads(sys.stdin.read())]
    print(json.dumps(asyncio.run(tap(url, bot_id, rate, label, users))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
