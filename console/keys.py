"""The console's keys: every binding by id, where it is active, and its keys now.

Bindings are data (``console.keymap``): screens and widgets take their ``BINDINGS`` from
there through ``bindings``, each with a stable ``id``; a person remaps them by id in the
config file's ``[keymap]`` table, which the App applies with Textual's ``set_keymap``.
This module

* groups every binding by the screen where they are active together (``catalogue``),
  with the Textual classes' own bindings beside ours, so ``?`` and ``agent-console keys``
  list them all and clashes are found, without importing a screen;
* checks a ``[keymap]`` before it is applied (``check_keymap``): unknown ids, key names
  that are not keys, and keys that would collide on one screen are reported with the
  config file's line, and those entries keep their default keys;
* answers "which key does binding X have now" (``effective_keys``, ``key_hint``) for every
  hint that names a key: the detail pane's action line, the tabs, the palette, help.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import combinations
from typing import TYPE_CHECKING, Any, TypeAlias

from textual.app import App
from textual.binding import Binding
from textual.keys import REPLACED_KEYS, _character_to_key, key_to_character
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import TextArea

from console.keymap import PLACES, WIDGETS, PlaceKeys

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from console.config import Settings

    #: Where a keymap comes from: a running App, a keymap (binding id -> keys), or nothing
    #: (the default keys).
    KeySource: TypeAlias = App[Any] | Mapping[str, str] | None

#: The Textual classes our places extend: their own bindings are active there too.
_BASES: dict[str, type[DOMNode]] = {
    "app": App,
    "screen": Screen,
    "modal": ModalScreen,
    "widget": Widget,
    "text_area": TextArea,
}

#: Widgets of ours with bindings, and the screens they are on: when they (or a widget
#: inside them) have the focus, their bindings are active along with the screen's.
FOCUSED_WIDGETS: dict[str, tuple[str, ...]] = {
    widget.name: tuple(p.name for p in PLACES if widget.name in p.focused) for widget in WIDGETS
}

#: Screens that wait for the second key of a two-key sequence: the screen the first key is
#: pressed on, and the id of the binding of that first key.
CHORDS: dict[str, tuple[str, str]] = {p.name: p.chord_of for p in PLACES if p.chord_of}

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED_KEYS = frozenset(
    ["escape", "enter", "return", "tab", "space", "backspace", "insert", "delete"]
    + ["left", "right", "up", "down", "home", "end", "pageup", "pagedown"]
    + [f"f{n}" for n in range(1, 25)]
    + list(REPLACED_KEYS)
)


def bindings(place: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    """The Textual bindings of a place of ``console.keymap`` (a screen's or a widget's
    ``BINDINGS``)."""
    found = _place_keys(place)
    made: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
        Binding(k.keys, k.action, k.description, show=k.show, id=k.id, priority=k.priority)
        for k in found.keys
    ]
    return made


def _place_keys(name: str) -> PlaceKeys:
    for place in (*PLACES, *WIDGETS):
        if place.name == name:
            return place
    raise KeyError(f"no place {name!r} in console.keymap")


@dataclass(frozen=True)
class KeyBinding:
    """One binding as declared: its id (None for Textual's own), default keys and what it
    does."""

    id: str | None
    keys: tuple[str, ...]
    description: str
    action: str
    #: the class whose ``BINDINGS`` declare it
    owner: str

    @property
    def name(self) -> str:
        """The id, or for Textual's own bindings (not remappable) the action."""
        return self.id or f"{self.owner}:{self.action}"


@dataclass(frozen=True)
class Place:
    """A screen and the bindings active on it together."""

    #: the screen's class name (or AgentConsole for the App's own bindings)
    name: str
    title: str
    #: its own bindings and those of its focused widgets, in declaration order
    bindings: tuple[KeyBinding, ...]
    #: bindings also active there that belong to another place (the App's)
    inherited: tuple[KeyBinding, ...] = ()

    @property
    def all_bindings(self) -> tuple[KeyBinding, ...]:
        """Everything a key may reach on this screen."""
        return self.bindings + self.inherited


@dataclass(frozen=True)
class Catalogue:
    """Every binding of the console, by place."""

    places: tuple[Place, ...]

    def place(self, name: str) -> Place | None:
        """The place of a screen class name."""
        return next((p for p in self.places if p.name == name), None)

    @cached_property
    def by_id(self) -> dict[str, KeyBinding]:
        """Every remappable binding by id."""
        found: dict[str, KeyBinding] = {}
        for place in self.places:
            for binding in place.bindings:
                if binding.id:
                    found.setdefault(binding.id, binding)
        return found


def _textual_bindings(base: type[DOMNode], owner: str) -> tuple[KeyBinding, ...]:
    """The bindings a Textual class brings with it (not remappable by id), keys in order."""
    merged: dict[str, tuple[Binding, list[str]]] = {}
    for key, found in base._merge_bindings().key_to_bindings.items():
        for binding in found:
            merged.setdefault(binding.id or binding.action, (binding, []))[1].append(key)
    return tuple(
        KeyBinding(binding.id, tuple(keys), binding.description, binding.action, owner)
        for binding, keys in merged.values()
    )


def _bindings(place: PlaceKeys) -> tuple[KeyBinding, ...]:
    """A place's bindings: the Textual class's own first, then ours, keys normalised."""
    ours = tuple(
        KeyBinding(
            k.id,
            tuple(dict.fromkeys(normalise_key(key) for key in k.keys.split(","))),
            k.description,
            k.action,
            place.name,
        )
        for k in place.keys
    )
    return _textual_bindings(_BASES[place.base], place.name) + ours


@cache
def catalogue() -> Catalogue:
    """Every binding of the console, grouped by the screen where it is active."""
    app_place = Place(PLACES[0].name, PLACES[0].title, _bindings(PLACES[0]))
    places = [app_place]
    for spec in PLACES[1:]:
        own = _bindings(spec)
        for widget in spec.focused:
            own += _bindings(_place_keys(widget))
        modal = spec.base == "modal"
        places.append(Place(spec.name, spec.title, own, () if modal else app_place.bindings))
    return Catalogue(tuple(places))


# -- keys as people write and read them ----------------------------------------------------


#: Short names people write for keys, and the names Textual gives those keys.
SHORT_NAMES = {"esc": "escape"}


def normalise_key(key: str) -> str:
    """A key as Textual names it: ``?`` -> ``question_mark``, ``ctrl+/`` -> ``ctrl+slash``,
    ``esc`` -> ``escape``."""
    *modifiers, base = key.strip().split("+") if key.strip() != "+" else ["+"]
    if len(base) == 1:
        base = _character_to_key(base)
    base = SHORT_NAMES.get(base.strip(), base)
    return "+".join([*(m.strip().lower() for m in modifiers), base.strip()])


def key_problem(key: str) -> str | None:
    """Why a (normalised) key name is not a key Textual sends, or None."""
    if not key:
        return "an empty key"
    *modifiers, base = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{unknown[0]!r} in {key!r} is not a modifier ({', '.join(MODIFIERS[:3])})"
    if len(base) == 1 or base in NAMED_KEYS:
        return None
    # A character's name, as Textual names the key it sends: question_mark, comma.
    char = key_to_character(base)
    if char is not None and _character_to_key(char) == base:
        return None
    close = difflib.get_close_matches(base.lower(), sorted(NAMED_KEYS), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{key!r} is not a key name{hint}"


def key_text(key: str) -> str:
    """A key as shown to people, in a form the config file accepts too: ``?``, ``<``,
    ``ctrl+n``, ``pagedown``, ``esc``, ``space``."""
    *modifiers, base = key.split("+")
    char = key_to_character(REPLACED_KEYS.get(base, base))
    printable = char is not None and len(char) == 1 and char.isprintable() and not char.isspace()
    short = {name: short for short, name in SHORT_NAMES.items()}
    return "+".join([*modifiers, char if printable and char else short.get(base, base)])


# -- the keymap now --------------------------------------------------------------------------


#: Where the keymap comes from: a running App, a keymap (binding id -> keys), or nothing
#: (the default keys).


def _keymap_of(source: KeySource) -> Mapping[str, str]:
    if source is None or isinstance(source, Mapping):
        return source or {}
    # Textual keeps the keymap it applies in App._keymap and has no public getter; reading
    # it means a keymap set any way (config, tests, set_keymap) is the one shown.
    keymap: Mapping[str, str] = getattr(source, "_keymap", {}) or {}
    return keymap


def effective_keys(source: KeySource, binding_id: str) -> tuple[str, ...]:
    """The keys of a binding now: the app's keymap, else the binding's own keys."""
    mapped = _keymap_of(source).get(binding_id)
    if mapped:
        return tuple(k for k in (normalise_key(k) for k in mapped.split(",")) if k)
    binding = catalogue().by_id.get(binding_id)
    return binding.keys if binding else ()


def key_hint(source: KeySource, binding_id: str) -> str:
    """The key to name in a hint for a binding (its first key), as people read it."""
    keys = effective_keys(source, binding_id)
    return key_text(keys[0]) if keys else "?"


def keys_shown(source: KeySource, binding_id: str, separator: str = " / ") -> str:
    """All keys of a binding now, as people read them."""
    return separator.join(dict.fromkeys(key_text(k) for k in effective_keys(source, binding_id)))


# -- checking a [keymap] -------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """Two bindings that would answer the same key on one screen."""

    place: Place
    key: str
    first: KeyBinding
    second: KeyBinding


def clashes(keymap: dict[str, tuple[str, ...]]) -> list[Clash]:
    """Keys given to two bindings active on the same screen by ``keymap`` (binding id ->
    normalised keys).  Keys two bindings already share by default (``q`` is back on the
    ticket screen and quit elsewhere) are the console's design, not a clash."""
    found: list[Clash] = []
    for place in catalogue().places:
        now: dict[str, dict[str, KeyBinding]] = {}
        before: dict[str, set[str]] = {}
        for binding in place.all_bindings:
            for key in binding.keys:
                before.setdefault(key, set()).add(binding.name)
            keys = keymap.get(binding.id, binding.keys) if binding.id else binding.keys
            for key in keys:
                now.setdefault(key, {})[binding.name] = binding
        for key, holders in now.items():
            for first, second in combinations(holders.values(), 2):
                if {first.name, second.name} <= before.get(key, set()):
                    continue
                if first.id in keymap or second.id in keymap:
                    found.append(Clash(place, key, first, second))
    return found


def check_keymap(settings: Settings) -> tuple[dict[str, str], list[str]]:
    """The part of ``settings.keymap`` that can be applied, and a problem (with the config
    file's line) for each entry that cannot: unknown binding ids, names that are not keys,
    and keys that would clash on a screen.  Those entries keep their default keys."""
    known = catalogue().by_id
    problems: list[str] = []

    def report(binding_id: str, message: str) -> None:
        from console.config import where

        line = settings.line_of("keymap", binding_id)
        problems.append(where(settings.source, line) + message)

    accepted: dict[str, tuple[str, ...]] = {}
    for binding_id, text in settings.keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            report(
                binding_id,
                f"[keymap] {binding_id} is not a binding id{hint}; ignored. "
                "`agent-console keys` lists them.",
            )
            continue
        keys = tuple(dict.fromkeys(normalise_key(k) for k in text.split(",")))
        bad = next((p for p in map(key_problem, keys) if p), None)
        if bad:
            report(binding_id, f"[keymap] {binding_id} = {text!r}: {bad}; keeping its keys.")
            continue
        accepted[binding_id] = keys

    order = list(settings.keymap)
    while found := clashes(accepted):
        dropped: dict[str, Clash] = {}
        for clash in found:
            mine = [b for b in (clash.first, clash.second) if b.id in accepted]
            if len(mine) == 2:
                # Both remapped here: the entry written first keeps the key.
                mine.sort(key=lambda b: order.index(b.id or ""))
                mine = mine[1:]
            for binding in mine:
                dropped.setdefault(binding.id or "", clash)
        for binding_id, clash in dropped.items():
            other = clash.second if clash.first.id == binding_id else clash.first
            default = ", ".join(key_text(k) for k in known[binding_id].keys)
            taken_by = f"{other.description} ({other.id})" if other.id else f"{other.description}"
            report(
                binding_id,
                f"[keymap] {binding_id} = {settings.keymap[binding_id]!r}: "
                f"{key_text(clash.key)} is already {taken_by} on the {clash.place.title} "
                f"screen; keeping {binding_id}'s keys ({default}).",
            )
            del accepted[binding_id]
    return {binding_id: ",".join(keys) for binding_id, keys in accepted.items()}, problems


# -- listing ---------------------------------------------------------------------------------


def prefix_of(place: Place, source: KeySource) -> str:
    """For a two-key place, its first key and a space (``g ``); else nothing."""
    chord = CHORDS.get(place.name)
    return f"{key_hint(source, chord[1])} " if chord else ""


def listing(source: KeySource) -> list[dict[str, Any]]:
    """Every place with its remappable bindings and their keys now (for `keys --json`).
    A place of two-key jumps says after which key (``after``); its keys are the second."""
    result = []
    for place in catalogue().places:
        chord = CHORDS.get(place.name)
        rows = [
            {
                "id": b.id,
                "keys": [key_text(k) for k in effective_keys(source, b.id)],
                "default": [key_text(k) for k in b.keys],
                "description": b.description,
            }
            for b in place.bindings
            if b.id
        ]
        after = key_hint(source, chord[1]) if chord else None
        result.append({"screen": place.title, "after": after, "bindings": rows})
    return result
