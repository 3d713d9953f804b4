"""The day fits: the live lessons reach all seven goals of the class inside 09:00-17:00."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from mlcourse.course import BREAKS, DAY_END, DAY_START, GOALS, LESSONS, MAX_TEACHING_MINUTES, ROOT

LIVE = [lesson for lesson in LESSONS if lesson.live]


def test_the_live_day_reaches_every_one_of_the_seven_goals():
    reached = {goal for lesson in LIVE for goal in lesson.goals}
    assert reached == set(GOALS), f"not reached in the live day: {sorted(set(GOALS) - reached)}"


def test_the_live_day_teaches_at_most_six_and_a_half_hours_and_ends_by_five():
    teaching = sum(lesson.minutes for lesson in LIVE)
    breaks = sum(minutes for _, minutes in BREAKS.values())
    end = datetime.strptime(DAY_START, "%H:%M") + timedelta(minutes=teaching + breaks)
    assert teaching <= MAX_TEACHING_MINUTES
    assert end <= datetime.strptime(DAY_END, "%H:%M"), f"the day ends at {end:%H:%M}"


def test_breaks_follow_live_lessons_and_lunch_falls_between_eleven_thirty_and_one_thirty():
    assert set(BREAKS) <= {lesson.stem for lesson in LIVE}
    clock = datetime.strptime(DAY_START, "%H:%M")
    for lesson in LIVE:
        clock += timedelta(minutes=lesson.minutes)
        if BREAKS.get(lesson.stem, ("",))[0] == "lunch":
            assert "11:30" <= f"{clock:%H:%M}" <= "13:30"
        clock += timedelta(minutes=BREAKS.get(lesson.stem, ("", 0))[1])


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson.available()], ids=lambda lesson: lesson.stem)
def test_each_lessons_header_states_the_minutes_the_agenda_gives_it(lesson):
    """The header is what a learner reads; course.py is what the agenda is made from."""
    text = (ROOT / "lessons" / f"{lesson.stem}.py").read_text(encoding="utf-8")
    header = re.search(r"\*\*Minutes\*\*: ([^·\n]*)", text)
    assert header, f"{lesson.stem}: no **Minutes** line in its header"
    stated = header[1]
    if lesson.live:
        assert re.match(rf"{lesson.minutes}\b", stated), f"{lesson.stem}: header says {stated!r}, course.py {lesson.minutes}"
    else:
        assert "self-paced" in stated and re.search(rf"\b{lesson.minutes}\b", stated), stated
    if lesson.extra:
        assert re.search(rf"\+ {lesson.extra} self-paced", stated), f"{lesson.stem}: header must say '+ {lesson.extra} self-paced'"
        assert text.count("*Self-paced*") >= 1, f"{lesson.stem}: mark its self-paced part with *Self-paced*"
