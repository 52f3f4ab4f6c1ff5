"""The facts form: the facts file as widgets, grouped like the filing, with each problem shown beside its field.

Widgets keep their values in `st.session_state` under keys that name the project, a generation number and
the key path (`fx3.7:safety.complaint.entrance`). The page first composes the data from those values (so the
checks run on what is on screen), then renders the widgets with the messages for each field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from assistant import factpath
from assistant.facts import Facts, FactsError, FieldSpec, field_specs, hint_for, label_for, parse_facts
from assistant.spec import Applicability

UNSET = "未填写"
BOOL_OPTIONS = (UNSET, "是", "否")
SPLIT_RE = re.compile(r"[、,，;；\n]+")

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Field:
    path: str  # key path; inside a list field, relative to the item
    kind: str = "text"  # text | long | enum | bool | lines | multi | inline
    options: tuple[str, ...] = ()
    when: Predicate | None = None  # shown only when this holds (or when the fact is present)


@dataclass(frozen=True)
class ListField:
    path: str
    item: tuple[Field, ...]
    name_key: str = "name"  # the item field that names the item in its heading
    strings: bool = False  # an item with only a name is stored as a plain string (organization.systems)


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    fields: tuple[Field | ListField, ...]
    applies: Predicate | None = None  # optional block: shown when this holds or the block is present


def _facts(data: dict[str, Any]) -> Facts:
    """The form's data as facts for applicability; when other groups do not validate yet, the filing alone."""
    for candidate in (data, {"filing": data.get("filing") or {}}):
        try:
            return parse_facts(candidate)
        except (FactsError, ValueError):
            continue
    return Facts()


def _predicate(rule: dict[str, list[str]]) -> Predicate | None:
    """The schema's applicability (`roles` / `types` / `when`) as a test on the form's data."""
    if not rule:
        return None
    applicability = Applicability.model_validate(rule)
    return lambda data: applicability.applies(_facts(data))


def _field(spec: FieldSpec, path: str) -> Field:
    return Field(path, spec.widget, spec.choices, _predicate(spec.applies))


def _fields(parent: str) -> tuple[Field | ListField, ...]:
    """The widgets of a block: its scalar and list fields, sub-models flattened, lists of sub-models as blocks."""
    fields: list[Field | ListField] = []
    for path, spec in field_specs().items():
        if factpath.parent(path) != parent:
            continue
        if spec.widget == "group":
            fields.extend(_fields(path))
        elif spec.widget == "items":
            item = tuple(
                _field(s, p.removeprefix(path + "."))
                for p, s in field_specs().items()
                if factpath.parent(p) == path
            )
            fields.append(ListField(path, item, spec.name_key, spec.strings))
        else:
            fields.append(_field(spec, path))
    return tuple(fields)


GROUPS: tuple[Group, ...] = tuple(
    Group(path, spec.label, _fields(path), _predicate(spec.applies))
    for path, spec in field_specs().items()
    if "." not in path
)


# --- values ⇄ widget state ---------------------------------------------------------------------------------


def _options(f: Field, current: Any) -> list[str]:
    if f.kind == "bool":
        return list(BOOL_OPTIONS)
    options = [UNSET, *f.options] if f.kind == "enum" else list(f.options)
    extra = current if isinstance(current, list) else [current]
    for (
        value
    ) in extra:  # keep a value outside the enumeration visible (the checks flag it) instead of losing it
        if isinstance(value, str) and value and value not in options:
            options.append(value)
    return options


def to_widget(f: Field, value: Any) -> Any:
    if f.kind == "bool":
        return BOOL_OPTIONS[1] if value is True else BOOL_OPTIONS[2] if value is False else UNSET
    if f.kind == "enum":
        return str(value) if value not in (None, "") else UNSET
    if f.kind == "multi":
        return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])
    if f.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    if f.kind == "inline":
        return "、".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    if isinstance(value, list | dict):
        return str(value)
    return "" if value is None else str(value)


def from_widget(f: Field, value: Any) -> Any:
    if f.kind == "bool":
        return True if value == "是" else False if value == "否" else None
    if f.kind == "enum":
        return None if value in (None, UNSET) else value
    if f.kind == "multi":
        return list(value or [])
    if f.kind == "lines":
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]
    if f.kind == "inline":
        return [part.strip() for part in SPLIT_RE.split(str(value or "")) if part.strip()]
    text = str(value or "").strip()
    return text or None


@dataclass
class FormState:
    project_id: int
    gen: int
    counts: dict[str, int]
    show_all: bool = False
    rendered: set[str] = field(default_factory=set)

    def key(self, path: str) -> str:
        return f"fx{self.project_id}.{self.gen}:{path}"


def _widget_value(state: FormState, f: Field, path: str, value: Any, keep: bool = True) -> Any:
    key = state.key(path)
    if not keep:  # not on screen in this run: last value, then forget the widget state
        return from_widget(f, st.session_state.pop(key)) if key in st.session_state else value
    if key not in st.session_state:
        st.session_state[key] = to_widget(f, value)
    return from_widget(f, st.session_state[key])


def _count(state: FormState, lf: ListField, data: dict[str, Any]) -> int:
    if lf.path not in state.counts:
        current = factpath.get(data, lf.path)
        state.counts[lf.path] = len(current) if isinstance(current, list) else 0
    return state.counts[lf.path]


def _visible(f: Field, data: dict[str, Any]) -> bool:
    return f.when is None or f.when(data) or factpath.get(data, f.path) not in (None, "", [])


def visible_groups(data: dict[str, Any], show_all: bool) -> list[Group]:
    return [g for g in GROUPS if g.applies is None or show_all or g.applies(data) or data.get(g.key)]


def compose(state: FormState, data: dict[str, Any], active: str | None = None) -> dict[str, Any]:
    """The facts data as the widgets hold it (widget state is initialised from `data` where absent).

    Only the `active` group is on screen. The widget state of the other groups is read one last time and
    dropped, so that it is initialised from the working copy when the group is shown again (Streamlit would
    otherwise bring back the value a key was first given)."""
    result = copy.deepcopy(data)
    for group in GROUPS:
        if group not in visible_groups(result, state.show_all):
            continue
        keep = active is None or group.key == active
        for item in group.fields:
            if isinstance(item, ListField):
                _compose_list(state, item, result, keep)
            elif _visible(item, result):
                factpath.assign(
                    result,
                    item.path,
                    _widget_value(state, item, item.path, factpath.get(data, item.path), keep),
                )
    return result


def _compose_list(state: FormState, lf: ListField, result: dict[str, Any], keep: bool = True) -> None:
    existing = factpath.get(result, lf.path)
    existing = existing if isinstance(existing, list) else []
    items: list[Any] = []
    for index in range(_count(state, lf, result)):
        base = existing[index] if index < len(existing) else {}
        entry = dict(base) if isinstance(base, dict) else ({lf.name_key: str(base)} if base else {})
        for f in lf.item:
            value = _widget_value(state, f, f"{lf.path}[{index}].{f.path}", entry.get(f.path), keep)
            if value in (None, "", []):
                entry.pop(f.path, None)
            else:
                entry[f.path] = value
        if lf.strings and set(entry) <= {lf.name_key} and entry.get(lf.name_key):
            items.append(entry[lf.name_key])
        else:
            items.append(entry)
    factpath.assign(result, lf.path, items)


# --- messages beside fields -----------------------------------------------------------------------------


@dataclass
class Message:
    path: str
    text: str
    blocking: bool


def known_paths(data: dict[str, Any], state: FormState) -> set[str]:
    paths: set[str] = set()
    for group in visible_groups(data, state.show_all):
        for item in group.fields:
            if isinstance(item, ListField):
                paths.add(item.path)
                for index in range(state.counts.get(item.path, 0)):
                    paths.add(f"{item.path}[{index}]")
                    paths.update(f"{item.path}[{index}].{f.path}" for f in item.item)
            elif _visible(item, data):
                paths.add(item.path)
    return paths


def anchor(path: str, known: set[str]) -> str | None:
    """The rendered field a key path belongs to (product.forms[1] → product.forms); None if none is shown."""
    current = path
    while current:
        if current in known:
            return current
        current = factpath.parent(current)
    return None


def group_of(path: str) -> str | None:
    top = factpath.STEP_RE.match(path)
    return next((g.key for g in GROUPS if top and g.key == top.group(1)), None)


# --- rendering -------------------------------------------------------------------------------------------------


def _show_messages(messages: list[Message]) -> None:
    for m in messages:
        color = "red" if m.blocking else "orange"
        st.markdown(f":{color}[{'阻断' if m.blocking else '提示'} · **{label_for(m.path)}**：{m.text}]")


def _widget(state: FormState, f: Field, path: str, label: str, data: dict[str, Any]) -> None:
    key = state.key(path)
    if key not in st.session_state:  # normally set by compose(); never render a field empty by accident
        st.session_state[key] = to_widget(f, factpath.get(data, path))
    current = from_widget(f, st.session_state.get(key))
    hint = hint_for(path)
    if f.kind in ("enum", "bool"):
        options = _options(f, current if f.kind == "enum" else None)
        st.selectbox(label, options, key=key, help=hint)
    elif f.kind == "multi":
        st.multiselect(label, _options(f, current), key=key, placeholder="请选择", help=hint)
    elif f.kind == "lines":
        st.text_area(label + "（每行一项）", key=key, height=110, help=hint)
    elif f.kind == "long":
        st.text_area(label, key=key, height=80, help=hint)
    elif f.kind == "inline":
        st.text_input(label + "（以顿号分隔）", key=key, help=hint)
    else:
        st.text_input(label, key=key, help=hint)
    state.rendered.add(path)


def render_group(
    state: FormState,
    group: Group,
    data: dict[str, Any],
    messages: dict[str, list[Message]],
    on_add: Callable[[str], None],
    on_remove: Callable[[str, int], None],
) -> None:
    short: list[Field] = []

    def flush() -> None:
        if not short:
            return
        for start in range(0, len(short), 2):
            columns = st.columns(2)
            for column, f in zip(columns, short[start : start + 2], strict=False):
                with column:
                    _widget(state, f, f.path, label_for(f.path), data)
                    _show_messages(messages.get(f.path, []))
        short.clear()

    for item in group.fields:
        if isinstance(item, ListField):
            flush()
            _render_list(state, item, data, messages, on_add, on_remove)
        elif _visible(item, data):
            if item.kind in ("text", "enum", "bool", "multi", "inline"):
                short.append(item)
            else:
                flush()
                _widget(state, item, item.path, label_for(item.path), data)
                _show_messages(messages.get(item.path, []))
    flush()


def _render_list(
    state: FormState,
    lf: ListField,
    data: dict[str, Any],
    messages: dict[str, list[Message]],
    on_add: Callable[[str], None],
    on_remove: Callable[[str, int], None],
) -> None:
    label = label_for(lf.path)
    st.markdown(f"**{label}**")
    _show_messages(messages.get(lf.path, []))
    count = state.counts.get(lf.path, 0)
    items = factpath.get(data, lf.path) or []
    for index in range(count):
        item = items[index] if index < len(items) else {}
        name = item.get(lf.name_key) if isinstance(item, dict) else item
        item_messages = [m for m in messages.get(f"{lf.path}[{index}]", [])]
        nested = sum(len(messages.get(f"{lf.path}[{index}].{f.path}", [])) for f in lf.item)
        title = f"{label} {index + 1}：{name or '（未命名）'}" + (
            f"　（{nested + len(item_messages)} 项问题）" if nested or item_messages else ""
        )
        with st.expander(title, expanded=bool(nested or item_messages) or not name):
            _show_messages(item_messages)
            for f in lf.item:
                path = f"{lf.path}[{index}].{f.path}"
                _widget(state, f, path, label_for(f"{lf.path}.{f.path}"), data)
                _show_messages(messages.get(path, []))
            st.button(
                f"删除此项（{label} {index + 1}）",
                key=state.key(f"{lf.path}[{index}]#remove"),
                on_click=on_remove,
                args=(lf.path, index),
            )
    st.button(
        f"添加{label}",
        key=state.key(f"{lf.path}#add"),
        on_click=on_add,
        args=(lf.path,),
        icon=":material/add:",
    )
