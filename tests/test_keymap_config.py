"""The config file and the keymap: mistakes reported with their line while the rest
applies, the file written on first run, `locate` and `keys`, and in the console: remapped
keys, the hints that name them, and the two-key jumps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from textual.binding import Binding
from textual.widgets import OptionList, Static

from console.app import AgentConsole
from console.cli import main
from console.config import (
    TEMPLATE,
    VIEW_COLUMNS,
    KeyLines,
    SavedView,
    Settings,
    create_config_file,
    load_settings,
)
from console.keys import (
    FOCUSED_WIDGETS,
    catalogue,
    check_keymap,
    clashes,
    key_text,
    normalise_key,
)
from console.screens.help import HelpScreen
from console.screens.jump import JumpScreen
from console.screens.main import MainScreen
from console.widgets.ticket_detail import TicketDetailView
from console.widgets.ticket_queue import COLUMNS_WIDE, TicketQueue
from tests.conftest import Desk
from tests.test_console import console_as, goto, notices, queue_desk, settle, start

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def login_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problem_at(settings: Settings, line: int) -> str:
    """The one problem reported at ``line`` of the file."""
    found = [p for p in settings.problems if f" line {line}: " in p]
    assert len(found) == 1, (line, settings.problems)
    return found[0]


# -- reading the file ------------------------------------------------------------------------


def test_every_mistake_is_reported_with_its_line_and_the_rest_applies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
db = 5
colour = "blue"
theme = "nord"

[sla]
High = 2
Urgent = 1
Low = -3
Medium = true

[keymap]
"ticket.pickup" = "P"
"main.sort" = 5
""",
    )
    settings = load_settings(path)
    assert "db must be text" in problem_at(settings, 1)
    assert "unknown setting colour" in problem_at(settings, 2)
    assert "Urgent is not a priority" in problem_at(settings, 7)
    assert "Low must be a positive number of hours" in problem_at(settings, 8)
    assert "Medium must be a positive number" in problem_at(settings, 9)
    assert "main.sort must be keys in quotes" in problem_at(settings, 13)
    assert all(p.startswith(f"{path} line ") for p in settings.problems)
    assert len(settings.problems) == 6
    # The valid rest applies; the broken settings keep their defaults.
    assert settings.db is None and settings.theme == "nord"
    assert settings.sla_hours == {"High": 2.0, "Medium": 24.0, "Low": 72.0}
    assert settings.keymap == {"ticket.pickup": "P"}


def test_a_syntax_error_skips_only_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
theme = "nord"
this is not toml
[sla]
High = 2
""",
    )
    settings = load_settings(path)
    assert "the line is ignored" in problem_at(settings, 2)
    assert settings.theme == "nord" and settings.sla_hours["High"] == 2.0


def test_a_broken_table_header_skips_its_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
[keymap
"ticket.pickup" = "P"

[sla]
Low = 100
""",
    )
    settings = load_settings(path)
    assert "its table is ignored" in problem_at(settings, 1)
    assert settings.keymap == {}
    assert settings.sla_hours["Low"] == 100.0


def test_a_file_that_is_not_text_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    settings = load_settings(path)
    assert settings.problems == [f"{path}: cannot read (not UTF-8 text); using the defaults."]
    assert settings == Settings(problems=settings.problems)


def test_key_lines_finds_keys_tables_and_array_tables() -> None:
    lines = KeyLines(
        """\
db = "x"
notes = '''
fake = "not a key"
'''
list = [
  "a = 1",
]
[keymap]
"ticket.pickup" = "P"
ticket.assign = "a"
[[views]]
name = "One"
[[views]]
name = "Two"
"""
    )
    assert lines.line("db") == 1
    assert lines.line("fake") is None  # inside a multi-line string
    assert lines.line("a") is None  # inside a multi-line array
    assert lines.line("keymap") == 8
    assert lines.line("keymap", "ticket.pickup") == 9
    assert lines.line("keymap", "ticket.assign") == 10  # written unquoted (dotted)
    assert lines.line("views", 1, "name") == 14
    assert lines.line("views", 1, "sort") == 13  # not there: the table's header


def test_views_are_read_into_saved_views(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
[[views]]
name = "Overdue, high"
filter = "prio:high overdue"
sort = "due"
columns = ["number", "Subject", "owner", "due"]

[[views]]
name = "Sideways"
filter = "owner:none"
sort = "sideways"
columns = ["number", "nope"]
colour = "red"

[[views]]
filter = "no name"

[[views]]
name = "Unassigned"
filter = "owner:none"

[[views]]
name = "overdue, HIGH"
filter = "x"

[[views]]
name = "No filter"

[[views]]
name = "Typo"
filter = "prio:hihg"
""",
    )
    settings = load_settings(path)
    assert settings.views == [
        SavedView(
            "Overdue, high", "prio:high overdue", "due", ("number", "subject", "owner", "due"), 1
        ),
        SavedView("Sideways", "owner:none", "updated", ("number",), 7),
    ]
    assert "sort is one of updated, due, priority" in problem_at(settings, 10)
    assert "no column 'nope'" in problem_at(settings, 11)
    assert "has no setting colour" in problem_at(settings, 12)
    assert "needs a name" in problem_at(settings, 14)
    assert "already a view named 'Unassigned'" in problem_at(settings, 18)
    assert "already a view named 'overdue, HIGH'" in problem_at(settings, 22)
    assert "needs a filter" in problem_at(settings, 25)
    assert problem_at(settings, 30).endswith(
        "line 30: view 'Typo': Unknown priority 'hihg' — did you mean 'high'?; skipped."
    )


def test_views_must_be_array_tables(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, '[views]\nname = "x"\n'))
    assert "views must be [[views]] tables" in problem_at(settings, 1)
    assert settings.views == []


def test_view_columns_are_the_queue_columns() -> None:
    assert set(VIEW_COLUMNS.values()) == {column.title for column in COLUMNS_WIDE}


# -- the keymap ------------------------------------------------------------------------------


def keymap_settings(tmp_path: Path, body: str) -> Settings:
    return load_settings(write(tmp_path, "[keymap]\n" + body))


def test_unknown_ids_and_key_names_are_reported_with_their_line(tmp_path: Path) -> None:
    settings = keymap_settings(
        tmp_path,
        """\
"ticket.pikcup" = "P"
"ticket.close" = "ctlr+x"
"ticket.reply" = "Home"
"ticket.note" = "N"
""",
    )
    keymap, problems = check_keymap(settings)
    assert keymap == {"ticket.note": "N"}
    path = settings.source
    assert problems[0].startswith(f"{path} line 2: [keymap] ticket.pikcup is not a binding id")
    assert "(did you mean ticket.pickup?)" in problems[0]
    assert problems[1].startswith(f"{path} line 3: ")
    assert "'ctlr' in 'ctlr+x' is not a modifier" in problems[1]
    assert problems[2].startswith(f"{path} line 4: ")
    assert "(did you mean home?)" in problems[2]


def test_a_key_taken_on_the_same_screen_is_a_clash_and_keeps_the_defaults(
    tmp_path: Path,
) -> None:
    settings = keymap_settings(
        tmp_path,
        """\
"ticket.pickup" = "j"
"main.sort" = "o"
""",
    )
    keymap, problems = check_keymap(settings)
    assert keymap == {"main.sort": "o"}
    assert problems == [
        f"{settings.source} line 2: [keymap] ticket.pickup = 'j': j is already Down "
        "(queue.down) on the Queue screen; keeping ticket.pickup's keys (p)."
    ]


def test_swapping_two_keys_is_no_clash(tmp_path: Path) -> None:
    settings = keymap_settings(tmp_path, '"ticket.pickup" = "a"\n"ticket.assign" = "p"\n')
    keymap, problems = check_keymap(settings)
    assert problems == []
    assert keymap == {"ticket.pickup": "a", "ticket.assign": "p"}


def test_two_bindings_given_one_key_the_first_keeps_it(tmp_path: Path) -> None:
    settings = keymap_settings(tmp_path, '"ticket.pickup" = "o"\n"main.sort" = "z,o"\n')
    keymap, problems = check_keymap(settings)
    assert keymap == {"ticket.pickup": "o"}
    assert (
        len(problems) == 1
        and " line 3: [keymap] main.sort = 'z,o': o is already Pick up" in (problems[0])
    )


def test_keys_on_different_screens_do_not_clash(tmp_path: Path) -> None:
    # x reads a conversation on the queue; the pager is another screen.
    settings = keymap_settings(tmp_path, '"pager.next" = "x,n"\n"jump.my" = "p"\n')
    assert check_keymap(settings) == ({"pager.next": "x,n", "jump.my": "p"}, [])


def test_the_default_keys_have_no_clash() -> None:
    assert clashes({}) == []


def test_every_binding_has_an_id_and_a_screen() -> None:
    from textual.dom import DOMNode

    def subclasses(cls: type[DOMNode]) -> list[type[DOMNode]]:
        return [c for s in cls.__subclasses__() for c in (s, *subclasses(s))]

    places = catalogue().places  # (imports every screen and widget module)
    ids = {b.id for place in places for b in place.bindings}
    ours = [c for c in subclasses(DOMNode) if c.__module__.startswith("console.")]
    declared = [
        (cls.__name__, binding)
        for cls in ours
        for binding in cls.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding)
    ]
    assert len(declared) > 60
    assert [(name, b.key) for name, b in declared if not b.id] == []
    # ... and each is listed on a screen, so [keymap] knows its id.
    assert [b.id for _name, b in declared if b.id not in ids] == []
    assert {"main.jump", "jump.unassigned", "queue.top", "form.complete_mention"} <= ids
    # The queue's keys are on the queue screen, along with the App's.
    queue = catalogue().place("MainScreen")
    assert queue is not None
    assert {"queue.down", "main.jump", "app.quit"} <= {b.id for b in queue.all_bindings}
    assert set(FOCUSED_WIDGETS) <= {c.__name__ for c in ours}


def test_keys_are_shown_as_they_are_written() -> None:
    keys = ("question_mark", "less_than_sign", "ctrl+n", "space", "escape", "ctrl+slash")
    assert [key_text(k) for k in keys] == ["?", "<", "ctrl+n", "space", "esc", "ctrl+/"]
    assert [normalise_key(key_text(k)) for k in keys] == list(keys)


# -- first run, locate, keys ----------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user whose config and data folders are under tmp_path."""
    monkeypatch.delenv("AGENT_CONSOLE_CONFIG", raising=False)
    monkeypatch.delenv("AGENT_CONSOLE_DB", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def test_first_run_writes_the_commented_template_and_never_overwrites(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = home / "config" / "agent-console" / "config.toml"
    assert main(["locate", "config"]) == 0
    assert capsys.readouterr().out.strip() == str(expected)
    assert expected.read_text(encoding="utf-8") == TEMPLATE
    expected.write_text('theme = "nord"\n', encoding="utf-8")
    assert main(["locate", "config"]) == 0
    assert expected.read_text(encoding="utf-8") == 'theme = "nord"\n'


def test_the_template_reads_cleanly_commented_and_uncommented(tmp_path: Path) -> None:
    path = write(tmp_path, TEMPLATE)
    assert load_settings(path) == Settings(source=path)
    # Every setting in it, uncommented, is valid and at its default (the examples aside).
    uncommented = re.sub(r"(?m)^#(?=[a-z\"\[])", "", TEMPLATE)
    settings = load_settings(write(tmp_path, uncommented))
    assert settings.problems == []
    assert settings.theme == "textual-dark" and settings.db == "/path/to/console.db"
    assert settings.sla_hours == Settings().sla_hours
    assert check_keymap(settings)[1] == []
    assert [v.name for v in settings.views] == ["Overdue, high"]


def test_no_file_is_written_where_AGENT_CONSOLE_CONFIG_points(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(home / "mine.toml"))
    assert create_config_file() is None
    assert main(["locate", "config"]) == 0
    assert not (home / "mine.toml").exists()
    assert not (home / "config").exists()


def test_an_unwritable_config_folder_is_no_reason_to_stop(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "blocked").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "blocked"))
    assert create_config_file() is None
    assert main(["locate", "data"]) == 0
    assert capsys.readouterr().out.strip() == str(home / "data" / "agent-console")


def test_locate_db_names_the_database_without_its_password(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["locate", "db"]) == 0
    assert capsys.readouterr().out.strip() == str(home / "data" / "agent-console" / "console.db")
    assert main(["locate", "db", "--db", "postgresql+asyncpg://al:secret@db.example/desk"]) == 0
    out = capsys.readouterr().out
    assert "secret" not in out and "al:***@db.example/desk" in out


def test_locate_needs_a_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["locate", "somewhere"])
    assert exit_.value.code == 2


def test_keys_prints_every_binding_with_its_keys_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        '[keymap]\n"ticket.pickup" = "P"\n"jump.unassigned" = "n"\n"nope.nope" = "x"\n',
    )
    monkeypatch.setenv("AGENT_CONSOLE_CONFIG", str(config))
    assert main(["keys"]) == 0
    out, err = capsys.readouterr()
    assert f"{config} line 4: [keymap] nope.nope is not a binding id" in err
    lines = out.splitlines()
    assert "Queue" in lines and "Queue, two-key jumps (after g)" in lines
    pickup = next(line for line in lines if line.rstrip().endswith("ticket.pickup  (remapped)"))
    assert pickup.split() == ["P", "Pick", "up", "ticket.pickup", "(remapped)"]
    jump = next(line for line in lines if "jump.unassigned" in line)
    assert jump.split()[:2] == ["g", "n"]
    top = next(line for line in lines if line.rstrip().endswith(" queue.top"))
    assert top.split()[0] == "home"

    assert main(["keys", "--json"]) == 0
    places = json.loads(capsys.readouterr().out)
    jumps = next(p for p in places if p["after"] == "g")
    by_id = {row["id"]: row for row in jumps["bindings"]}
    assert by_id["jump.unassigned"]["keys"] == ["n"]
    assert by_id["jump.unassigned"]["default"] == ["u"]
    assert by_id["jump.top"]["keys"] == ["g"]


# -- in the console ------------------------------------------------------------------------


@pytest.fixture
async def console(desk: Desk) -> tuple[AgentConsole, Desk, list[int]]:
    """Alice's console on the queue of tests.test_console."""
    numbers = await queue_desk(desk)
    return console_as(desk, "alice"), desk, numbers


def settings_from(tmp_path: Path, text: str) -> Settings:
    return load_settings(write(tmp_path, text))


def hint_bar(app: AgentConsole) -> str:
    return str(app.screen.query_one("#jump-hint", Static).render())


@sqlite_only
async def test_a_remapped_key_from_the_file_works_and_every_hint_names_it(
    desk: Desk, tmp_path: Path
) -> None:
    numbers = await queue_desk(desk)
    settings = settings_from(tmp_path, '[keymap]\n"ticket.pickup" = "P"\n')
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[1])
        await settle(pilot, 0.2)
        actions = str(app.screen.query_one("#detail-actions", Static).render())
        assert "P pick up" in actions and "p pick up" not in actions
        await pilot.press("p")
        await settle(pilot)
        assert (await desk.service("alice").queries.ticket(numbers[1])).owner is None
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        # The key lines are a table (keys, what they do, binding id): as drawn.
        drawn = Console(width=200, color_system=None, record=True)
        for widget in app.screen.query(Static):
            drawn.print(widget.content if isinstance(widget.content, Table) else widget.render())
        shown = drawn.export_text()
        assert re.search(r"\bP  Pick up +\(ticket\.pickup\)", shown)
        assert re.search(r"g u  Jump to unassigned +\(jump\.unassigned\)", shown)
        await pilot.press("escape")
        await pilot.press("P")
        await settle(pilot)
    assert (await desk.service("alice").queries.ticket(numbers[1])).owner == "alice"


@sqlite_only
async def test_tab_hints_follow_the_keymap(desk: Desk, tmp_path: Path) -> None:
    number = await desk.ticket("alice", subject="Quiet one")
    settings = settings_from(
        tmp_path, '[keymap]\n"ticket.reply" = "ctrl+y"\n"ticket.attach" = "Z"\n'
    )
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(160, 48)) as pilot:
        await start(app, pilot)
        await goto(pilot, number)
        await settle(pilot, 0.2)
        side = app.screen.query_one(TicketDetailView)
        conversation = str(side.query_one("#body-conversation", Static).render())
        assert "ctrl+y reply · m comment · n note" in conversation
        side.open_at("attachments")
        await pilot.pause()
        attachments = str(side.query_one("#body-attachments", Static).render())
        assert "Z attaches a file" in attachments


@sqlite_only
async def test_config_problems_are_shown_at_start_with_their_line(
    desk: Desk, tmp_path: Path
) -> None:
    await queue_desk(desk)
    settings = settings_from(
        tmp_path,
        'theme = "no-such-theme"\n[sla]\nUrgent = 1\n\n'
        '[keymap]\n"ticket.pickup" = "j"\n"main.sort" = "o"\n',
    )
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        shown = notices(app)
        assert any(f"{settings.source} line 1: unknown theme 'no-such-theme'" in n for n in shown)
        assert any(f"{settings.source} line 3: [sla] Urgent" in n for n in shown), shown
        assert any(f"{settings.source} line 6: [keymap] ticket.pickup" in n for n in shown)
        await pilot.press("o")  # the valid rest applies
        await settle(pilot)
        assert "Sorted by time to breach." in notices(app)


@sqlite_only
async def test_g_u_jumps_to_unassigned_with_the_choices_shown_after_g(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, JumpScreen)
        assert hint_bar(app) == (
            " g: g top · u unassigned · m my tickets · a assigned to me · t my team · "
            "d dashboard · k knowledge base · r desk records · i inbox · T my tasks · esc cancels"
        )
        await pilot.press("u")
        await settle(pilot)
        assert app.screen is screen and screen.view == "unassigned"
        assert screen.query_one(TicketQueue).has_focus
        assert "Unassigned · All" in str(screen.query_one("#queue-status", Static).render())
        for keys, view in ((("g", "m"), "my"), (("g", "a"), "assigned"), (("g", "t"), "team")):
            await pilot.press(*keys)
            await settle(pilot)
            assert screen.view == view


@sqlite_only
async def test_g_g_goes_to_the_top_and_home_still_does(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        queue = screen.query_one(TicketQueue)
        await pilot.press("j", "j", "j")
        assert queue.cursor == 3
        await pilot.press("g")
        assert queue.cursor == 3  # one g waits for the second key
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and queue.cursor == 0
        await pilot.press("j", "j", "home")
        assert queue.cursor == 0


@sqlite_only
async def test_any_other_key_cancels_a_jump(
    console: tuple[AgentConsole, Desk, list[int]],
) -> None:
    app, _desk, _numbers = console
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        queue = screen.query_one(TicketQueue)
        await pilot.press("j", "g", "j")  # j after g cancels and does not move
        await pilot.pause()
        assert app.screen is screen and queue.cursor == 1
        await pilot.press("g", "escape")
        await pilot.pause()
        assert app.screen is screen and screen.view == "all"
        # A pause does not end the wait (tests/test_console_keys.py): no time limit.


@sqlite_only
async def test_remapped_jump_keys(desk: Desk, tmp_path: Path) -> None:
    await queue_desk(desk)
    settings = settings_from(tmp_path, '[keymap]\n"main.jump" = "o"\n"jump.unassigned" = "n"\n')
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await start(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        assert hint_bar(app).startswith(" o: g top · n unassigned ·")
        await pilot.press("n")
        await settle(pilot)
        assert screen.view == "unassigned"
        await pilot.press("g")  # no longer a jump (nothing on the queue answers g)
        await pilot.pause()
        assert app.screen is screen


@sqlite_only
async def test_the_palette_names_the_keys_as_mapped(desk: Desk, tmp_path: Path) -> None:
    numbers = await queue_desk(desk)
    settings = settings_from(tmp_path, '[keymap]\n"ticket.pickup" = "P"\n"jump.unassigned" = "n"\n')
    app = console_as(desk, "alice", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await start(app, pilot)
        await goto(pilot, numbers[1])
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Pick up")
        await settle(pilot, 0.4)
        palette = app.screen.query_one("CommandList", OptionList)
        shown = " ".join(str(option.prompt) for option in palette.options)
        assert "Pick up #" in shown and "key P" in shown
        await pilot.press(*(["backspace"] * 7), *"View: Unassigned")
        await settle(pilot, 0.4)
        shown = " ".join(str(option.prompt) for option in palette.options)
        assert "g n" in shown
