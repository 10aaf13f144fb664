"""Block Kit's limits: long text is split, never cut; long messages become several posts; labels fit."""

from __future__ import annotations

import re

from bot.slack import render
from flows.messages import Choice, Message
from tests.slack.fake_slack import check_limits


def visible(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_long_text_is_split_over_sections_of_at_most_3000_characters_and_nothing_is_lost(nl):
    text = "\n".join(f"Regel {i}: " + "woord & <meer> " * 40 for i in range(200)) + "\n" + "x" * 7000
    message = Message(text=text, case_id="7KQ2-M9XD-HAPE", question_id="spoke_bullied",
                      choices=(Choice(label="ja", value="1"), Choice(label="nee", value="2")))
    posts = render.posts(message, nl)
    assert len(posts) > 1  # more than 50 sections: several posts
    for post in posts:
        assert check_limits("chat.postMessage", post) == []
    sections = [b["text"]["text"] for p in posts for b in p["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    assert visible("".join(sections)) == visible(render.escape(text))  # split at spaces and newlines only
    assert render.buttons_of(posts[-1]) == ["ja", "nee"]  # the answer buttons come after the whole text


def test_a_long_button_label_is_shortened_and_listed_in_full(nl):
    label = "Een afdeling met een heel erg lange naam die niet op een knop past, zelfs niet op een brede knop"
    message = Message(text="Bij welke afdeling hoort de klas?", choices=(Choice(label=label, value="1"),),
                      case_id="C", question_id="department")
    [post] = render.posts(message, nl)
    assert check_limits("chat.postMessage", post) == []
    [button] = render.buttons_of(post)
    assert len(button) <= 75 and button.endswith("…")
    assert any(label in b.get("text", {}).get("text", "") for b in post["blocks"])


def test_more_than_25_choices_go_into_several_action_blocks(nl):
    message = Message(text="Kies", choices=tuple(Choice(label=f"optie {i}", value=str(i)) for i in range(30)))
    [post] = render.posts(message, nl)
    assert check_limits("chat.postMessage", post) == [] and len(render.buttons_of(post)) == 30


def test_a_view_holds_at_most_100_blocks_and_says_what_did_not_fit(nl):
    message = Message(text="\n".join("y" * 2900 for _ in range(150)))
    blocks = render.view_blocks([message], nl)
    assert len(blocks) == 100 and "nog 51 regels" in blocks[-1]["text"]["text"]


def test_an_entity_is_never_split(nl):
    pieces = render.chunks("&amp;" * 1000)
    assert all(p.endswith(";") for p in pieces) and "".join(pieces) == "&amp;" * 1000
