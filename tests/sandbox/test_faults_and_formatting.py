"""Fault injection rules and Telegram's HTML parse mode, without HTTP."""

from __future__ import annotations

import pytest

from sandbox.errors import ApiError
from sandbox.faults import Fault, FaultInjector, FaultRates
from sandbox.formatting import render


def test_queued_faults_fire_in_order_and_are_used_up() -> None:
    faults = FaultInjector()
    faults.add("429", method="sendMessage", chat_id=7, times=2, retry_after=9)
    faults.add("5xx", status=502)
    assert faults.take("sendphoto", 7) is not None  # the second fault: any chat method
    assert faults.take("sendmessage", 8) is None  # the first only hits chat 7
    first = faults.take("sendmessage", 7)
    assert first is not None
    assert (first.kind, first.retry_after) == ("429", 9)
    assert faults.take("sendmessage", 7) is not None
    assert faults.take("sendmessage", 7) is None
    assert faults.queued == []


def test_faults_without_method_spare_polling_and_getme() -> None:
    faults = FaultInjector()
    faults.add("5xx")
    assert faults.take("getupdates", None) is None
    assert faults.take("getme", None) is None
    assert faults.take("answercallbackquery", 1) is not None


def test_random_faults_repeat_with_the_same_seed() -> None:
    rates = FaultRates(too_many_requests=0.1, server_error=0.1, timeout=0.05, forbidden=0.05)

    def run(seed: int) -> list[str | None]:
        faults = FaultInjector(seed=seed, rates=rates)
        results: list[str | None] = []
        for _ in range(500):
            fault = faults.take("sendmessage", 1)
            results.append(fault.kind if fault else None)
        return results

    first, second, other = run(7), run(7), run(8)
    assert first == second
    assert first != other
    failed = sum(kind is not None for kind in first)
    assert 100 < failed < 200  # about 30 % of 500
    assert FaultInjector(seed=7, rates=rates).take("editmessagetext", 1) is None


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        Fault.from_json({"kind": "404"})
    with pytest.raises(ValueError, match="status"):
        Fault("5xx", status=503)
    with pytest.raises(ValueError, match="at most 1"):
        FaultRates(too_many_requests=0.7, server_error=0.7)


def test_html_becomes_text_and_utf16_entities() -> None:
    text, entities = render('😀 <b>pain</b> <a href="https://x.org">here</a> &lt;3', "HTML")
    assert text == "😀 pain here <3"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},  # the emoji is two UTF-16 units
        {"type": "text_link", "url": "https://x.org", "offset": 8, "length": 4},
    ]
    code, [pre] = render('<pre><code class="language-python">x = 1</code></pre>', "HTML")
    assert code == "x = 1"
    assert pre == {"type": "pre", "language": "python", "offset": 0, "length": 5}


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ],
)
def test_html_errors_match_telegram(source: str, detail: str) -> None:
    with pytest.raises(ApiError) as caught:
        render(source, "HTML")
    assert caught.value.description == f"Bad Request: can't parse entities: {detail}"


def test_other_parse_modes_keep_the_text() -> None:
    assert render("*bold*", "MarkdownV2") == ("*bold*", [])
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        render("x", "BBCode")
